//! `SpindleExecutor`: hyper's [`Executor`](hyper::rt::Executor), spawning on spindle.
//!
//! hyper spawns background futures through it: HTTP/2 runs one future per stream (each
//! request/response body pump) besides the connection itself. They are detached tasks:
//! the `JoinHandle` is dropped, and the task ends when hyper's future does.
//!
//! The executor holds the [`Handle`] of the runtime it was made in, so hyper may call it
//! from any thread (hyper calls it from inside the connection's poll, which runs on a
//! spindle worker anyway; holding the handle makes that an explanation, not a rule).

use std::future::Future;

use spindle::runtime::Handle;

/// Spawns hyper's background futures as spindle tasks.
///
/// ```
/// let rt = spindle::Runtime::new().unwrap();
/// let exec = rt.block_on(async { spindle_hyper::SpindleExecutor::new() });
/// let (tx, rx) = std::sync::mpsc::channel();
/// hyper::rt::Executor::execute(&exec, async move { tx.send(7).unwrap() });
/// assert_eq!(rx.recv().unwrap(), 7);
/// ```
#[derive(Clone, Debug)]
pub struct SpindleExecutor {
    handle: Handle,
}

impl SpindleExecutor {
    /// An executor for the runtime the caller runs in.
    ///
    /// # Panics
    /// Outside a spindle runtime (use [`from_handle`](Self::from_handle) there).
    #[track_caller]
    pub fn new() -> SpindleExecutor {
        SpindleExecutor::from_handle(Handle::current())
    }

    /// An executor that spawns on `handle`'s runtime, from any thread.
    pub fn from_handle(handle: Handle) -> SpindleExecutor {
        SpindleExecutor { handle }
    }
}

impl Default for SpindleExecutor {
    /// Same as [`SpindleExecutor::new`].
    #[track_caller]
    fn default() -> SpindleExecutor {
        SpindleExecutor::new()
    }
}

impl<F> hyper::rt::Executor<F> for SpindleExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // Dropping the JoinHandle detaches the task; hyper keeps its own channels to it.
        drop(self.handle.spawn(future));
    }
}
