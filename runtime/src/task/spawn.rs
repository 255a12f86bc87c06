//! [`spawn`]: start a task on the runtime this code runs in.

use std::future::Future;

use super::JoinHandle;
use crate::scheduler::context;

/// Spawns `future` as a new task on the current runtime and returns its [`JoinHandle`].
///
/// On a worker thread of a multi-thread runtime the task goes to that worker's LIFO
/// slot (it runs next, on warm caches); elsewhere to the runtime's shared queue.
///
/// # Panics
/// Outside a runtime (not inside `Runtime::block_on` or a task): use
/// `Runtime::spawn` or `Handle::spawn` there.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    context::with_current(move |h| h.spawn(future)).unwrap_or_else(|| {
        panic!(
            "spindle::spawn called outside a spindle runtime; call it from inside \
             Runtime::block_on or a task, or use Handle::spawn"
        )
    })
}
