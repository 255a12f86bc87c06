//! The public runtime: [`Runtime`], its [`Builder`] and [`Handle`], and the counters
//! snapshot [`RuntimeStats`] (per worker: polls, busy time, queue pops, steals, parks,
//! I/O events, timers; per task when traced). `Builder::pin_workers` pins workers to
//! cores (with `spindle_pool::affinity`, which the pool's own pinning uses too);
//! `Builder::trace`/`trace_to` and `SPINDLE_TRACE` record a timeline (`crate::trace`),
//! saved after step 4 of the shutdown below.
//!
//! A `Runtime` owns a scheduler (current-thread or multi-thread, see
//! `crate::scheduler`) and, for the multi-thread flavour, its worker threads.
//!
//! ## Shutdown (dropping the runtime, or [`Runtime::shutdown_timeout`])
//! 1. Tell the workers to stop and wake them all; wait for them (up to the timeout).
//!    Each worker drops its queue entries as it exits.
//! 2. Close the owned-tasks list and cancel every task in it on this thread: each
//!    pending future (queued, in a LIFO slot, in the injector, or idle) is dropped exactly
//!    once, here; tasks still running on a worker that did not stop in time are marked
//!    cancelled and dropped by that worker after its poll.
//! 3. Drain the injector. Wakes that arrive later find the tasks complete and do nothing;
//!    spawns that arrive later are cancelled at once (their JoinHandle says so), including
//!    a `spindle::spawn` from the `Drop` of a future cancelled in step 2: the dropping
//!    thread has this runtime as its current one during shutdown.
//! 4. Shut the blocking pool down (queued blocking jobs still run), then, if the runtime
//!    is traced to a file, save the trace: every lane has been flushed by then.

mod builder;
mod dump;
mod handle;
pub(crate) mod join_set;
mod long_poll;
pub(crate) mod spawn;
pub(crate) mod task_builder;
#[cfg(all(test, not(loom)))]
mod tests;

use std::future::Future;
use std::io;
use std::time::Duration;

pub use crate::scheduler::stats::{RuntimeStats, WorkerStats};
pub use crate::wait::Wait;
pub use builder::Builder;
pub use dump::{TaskDump, TaskInfo, TaskState};
pub use handle::{Handle, TryCurrentError};
pub use long_poll::LongPoll;

pub use crate::scheduler::panic_policy::UnhandledPanic;

use crate::scheduler::config::Config;
use crate::scheduler::{self, context};
use crate::task::JoinHandle;

/// An async runtime: a scheduler, its worker threads and its blocking pool.
///
/// ```
/// let rt = spindle::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     spindle::spawn(async { 6 * 7 }).await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct Runtime {
    handle: Handle,
    /// The worker threads, if the flavour has any (joined by the shutdown).
    threads: scheduler::Threads,
    shut_down: bool,
    /// The blocked-worker detector's thread, if on (`long_poll.rs`); dropped after the
    /// shutdown in `Drop`, which stops and joins it.
    long_polls: Option<long_poll::Watchdog>,
}

impl Runtime {
    /// A multi-thread runtime with default settings (one worker per core).
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().build()
    }

    /// The runtime of a scheduler [`scheduler::Handle::build`] made (the one `match` on
    /// the flavour is there).
    pub(crate) fn build(kind: scheduler::Kind, config: Config) -> io::Result<Runtime> {
        let (inner, threads) = scheduler::Handle::build(kind, config)?;
        Ok(Runtime {
            handle: Handle { inner },
            threads,
            shut_down: false,
            long_polls: None,
        })
    }

    /// Runs `future` to completion on the current thread, driving the runtime's tasks
    /// meanwhile if it is a current-thread runtime.
    ///
    /// # Panics
    /// If called from a thread that already drives a runtime (a worker, a task, or inside
    /// another `block_on`): blocking it would stall the tasks it is responsible for. Use
    /// `.await`, or `Handle::spawn`, instead.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// The live tasks of this runtime and what each is doing (see [`TaskDump`]); from
    /// any thread, while the runtime runs.
    pub fn dump(&self) -> TaskDump {
        self.handle.dump()
    }

    /// Spawns a task on this runtime (from any thread).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs the blocking closure `f` on the runtime's blocking pool (see
    /// [`task::spawn_blocking`](crate::task::spawn_blocking)).
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A cloneable handle that spawns onto this runtime from any thread.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// A snapshot of the per-worker counters (and, when traced, per-task poll counts
    /// and times, computed from the trace: on a traced runtime this walks every event
    /// recorded so far).
    pub fn stats(&self) -> RuntimeStats {
        self.handle.inner.stats()
    }

    /// The trace recorded so far, if this runtime is traced (`Builder::trace`,
    /// `Builder::trace_to` or `SPINDLE_TRACE`); `None` otherwise.
    ///
    /// It holds what each thread has flushed: a worker flushes its lane whenever it
    /// parks and when it exits, so once the runtime is idle (e.g. right after a
    /// `block_on` whose tasks have all finished and the workers went to sleep) the
    /// snapshot is complete; taken while workers run, the newest events of a busy worker
    /// may be missing. The same holds for the blocking pool's threads, which spin a
    /// little before they sleep: for a complete trace, clone the [`Handle`], drop the
    /// runtime (every thread flushes as it exits) and call [`Handle::trace_snapshot`].
    pub fn trace_snapshot(&self) -> Option<crate::trace::Trace> {
        self.handle.inner.trace().snapshot()
    }

    /// Shuts the runtime down, waiting at most `timeout` for the workers to stop (a
    /// worker stuck in a poll that never returns is then left behind, detached).
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        if self.shut_down {
            return;
        }
        self.shut_down = true;
        // Futures are dropped below, on this thread: a `Drop` that calls `spindle::spawn`
        // must find this runtime (and get a cancelled JoinHandle back, since it is shut
        // down), not panic that it runs outside one. The guard restores the previous
        // context, and leaves a `block_on` this thread may be inside undisturbed.
        let _context = context::set_current(&self.handle.inner);
        self.handle.inner.shutdown(&mut self.threads, timeout);
        // Blocking jobs already queued still run (like tokio); this waits for them.
        self.handle.inner.shutdown_blocking(timeout);
        // Every lane is flushed now (workers and pool threads have exited).
        self.handle.inner.trace().save_at_shutdown();
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("flavor", &self.stats().flavor)
            .finish_non_exhaustive()
    }
}

impl crate::task::LocalSet {
    /// `rt.block_on(self.run_until(future))`.
    ///
    /// (Written here, with the `Runtime`, because the set's scheduler in
    /// `scheduler/local.rs` sits below the runtime layer and does not know `Runtime`.)
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }
}

/// A number in `0..n` from the seeded schedule of the current-thread runtime this thread
/// drives (`Builder::rng_seed`), or `None` (no such runtime here, or no seed). For
/// `select!`'s start branch (`macros/mod.rs`), which may import this layer only.
pub(crate) fn seeded_below(n: u32) -> Option<u32> {
    crate::scheduler::current_thread::seeded_below(n)
}
