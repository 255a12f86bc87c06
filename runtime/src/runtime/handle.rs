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
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let join = self.inner.spawn(future);
        join.set_origin(std::panic::Location::caller(), None);
        join
    }

    /// Runs the blocking closure `f` on the runtime's blocking pool (see
    /// [`task::spawn_blocking`](crate::task::spawn_blocking)).
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let join = self.inner.spawn_blocking(f);
        join.set_origin(std::panic::Location::caller(), None);
        join
    }

    /// Runs `future` to completion on this thread (see [`Runtime::block_on`](super::Runtime::block_on),
    /// including when it panics). On a current-thread runtime this thread drives the
    /// tasks unless another thread already does.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = context::enter(&self.inner);
        self.inner.block_on(future)
    }

    /// The live tasks of this runtime and what each is doing: id, name, spawn location,
    /// state, polls, time since the last poll, and what its spindle leaf futures wait
    /// on. Callable from any thread while the runtime runs; it holds each shard lock of
    /// the task list only for a few loads per task (see docs/task-dump.md).
    ///
    /// ```
    /// let rt = spindle::Runtime::new().unwrap();
    /// let h = rt.spawn(async { spindle::time::sleep(std::time::Duration::from_secs(60)).await });
    /// let dump = rt.dump();
    /// assert!(dump.get(h.id()).is_some());
    /// println!("{dump}");
    /// ```
    pub fn dump(&self) -> super::TaskDump {
        let common = self.inner.common();
        let local_sets: Vec<_> = {
            let mut sets = common.local_sets.lock().unwrap();
            sets.retain(|weak| weak.strong_count() > 0);
            sets.iter().filter_map(std::sync::Weak::upgrade).collect()
        };
        let mut lists = vec![&common.owned];
        lists.extend(local_sets.iter().map(|set| set.owned()));
        super::dump::take(&lists, &common.blocking.listed)
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
