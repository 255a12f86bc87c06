//! [`spawn`]: start a task on the runtime this code runs in.

use std::future::Future;
use std::panic::Location;

use crate::scheduler::context;
use crate::task::JoinHandle;

/// Runs the blocking (or CPU-heavy) closure `f` on the runtime's blocking thread pool
/// (spindle-pool, sized by `Builder::blocking_threads`) and returns a [`JoinHandle`] to
/// its result. A panic in `f` becomes a panic [`JoinError`](crate::task::JoinError).
///
/// # Panics
/// Outside a runtime: use `Runtime::spawn_blocking` or `Handle::spawn_blocking` there.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let location = Location::caller();
    let join = context::with_current(move |h| h.spawn_blocking(f)).unwrap_or_else(|| {
        panic!(
            "spindle::task::spawn_blocking called outside a spindle runtime; call it from \
             inside Runtime::block_on or a task, or use Handle::spawn_blocking"
        )
    });
    join.set_origin(location, None);
    join
}

/// Spawns `future` as a new task on the current runtime and returns its [`JoinHandle`].
///
/// On a worker thread of a multi-thread runtime the task goes to that worker's LIFO
/// slot (it runs next, on warm caches); elsewhere to the runtime's shared queue.
///
/// # Panics
/// Outside a runtime (not inside `Runtime::block_on` or a task): use
/// `Runtime::spawn` or `Handle::spawn` there.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // `#[track_caller]` does not reach through the closure below: take the location here.
    let location = Location::caller();
    let join = context::with_current_local(move |h, local| h.spawn_from(local, future))
        .unwrap_or_else(|| {
            panic!(
                "spindle::spawn called outside a spindle runtime; call it from inside \
                 Runtime::block_on or a task, or use Handle::spawn"
            )
        });
    join.set_origin(location, None);
    join
}
