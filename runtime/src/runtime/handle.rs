//! [`Handle`]: a cheap, cloneable reference to a runtime, usable from any thread.

use std::fmt;
use std::future::Future;

use crate::scheduler::{self, context};
use crate::task::JoinHandle;

/// Spawns onto (and blocks on) a runtime from anywhere. `Clone + Send + Sync`.
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

/// Returned by [`Handle::try_current`] outside a runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no spindle runtime on this thread (not inside Runtime::block_on or a task)")
    }
}

impl std::error::Error for TryCurrentError {}

impl Handle {
    /// The handle of the runtime this thread is running in.
    ///
    /// # Panics
    /// Outside a runtime; use [`try_current`](Self::try_current) to check instead.
    pub fn current() -> Handle {
        Handle::try_current().unwrap_or_else(|_| {
            panic!(
                "Handle::current called outside a spindle runtime; call it from inside \
                 Runtime::block_on or a task, or pass a Handle (Runtime::handle) to this thread"
            )
        })
    }

    /// The current runtime's handle, or an error outside any runtime.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|h| Handle { inner: h.clone() }).ok_or(TryCurrentError(()))
    }

    /// Spawns a task on this runtime.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future)
    }

    /// Runs the blocking closure `f` on the runtime's blocking pool (see
    /// [`task::spawn_blocking`](crate::task::spawn_blocking)).
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f)
    }

    /// Runs `future` to completion on this thread (see [`Runtime::block_on`](super::Runtime::block_on),
    /// including when it panics). On a current-thread runtime this thread drives the
    /// tasks unless another thread already does.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = context::enter(&self.inner);
        // `Builder::unhandled_panic(ShutdownRuntime)`: before each poll of `future`,
        // check whether a task panicked (`scheduler/panic_policy.rs`); the report wakes us.
        let common = self.inner.common();
        let mut future = std::pin::pin!(future);
        let future = std::future::poll_fn(|cx| {
            if let Some(msg) = common.panic_policy.check(cx.waker()) {
                // Shut down: cancel every task (the drain `Runtime`'s drop also runs;
                // it is idempotent), then fail the caller.
                common.owned.close_and_shutdown_all();
                panic!("{msg}");
            }
            future.as_mut().poll(cx)
        });
        match &self.inner {
            scheduler::Handle::CurrentThread(shared) => shared.block_on(future),
            scheduler::Handle::MultiThread(_) => crate::park::block_on(future),
        }
    }

    /// A snapshot of the runtime's counters.
    pub fn stats(&self) -> super::RuntimeStats {
        self.inner.stats()
    }

    /// The runtime's trace so far, if it is traced (see
    /// [`Runtime::trace_snapshot`](super::Runtime::trace_snapshot)). A handle outlives
    /// its runtime, so `let h = rt.handle().clone(); drop(rt); h.trace_snapshot()` gives
    /// the complete trace: every worker flushed its lane when it exited.
    pub fn trace_snapshot(&self) -> Option<crate::trace::Trace> {
        self.inner.trace().snapshot()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}
