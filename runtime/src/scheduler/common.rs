//! [`Common`]: what every flavour of scheduler has, written once: the owned-tasks list
//! with its bind-or-cancel, the blocking pool, the driver slot, the trace session, the
//! remote-spawn counter, and the shutdown drain.
//!
//! A flavour's `Shared` holds one `Common` and one [`RemoteQueue`], and implements
//! [`Flavor`]: where a task goes ([`Flavor::schedule_task`], given why it is scheduled)
//! and where its `Common` is. The task cell's `Schedule` follows from that, written once
//! below. The runtime's `scheduler::Handle` reaches the common parts through
//! [`Handle::common`] (one `match`), so a new flavour writes only its own queues, its
//! loop and its `Flavor` impl, and adds a variant to `scheduler::Handle` with its arms in
//! that one file (`build`, `block_on`, `shutdown`, `spawn_from`, `stats`, `common`), plus
//! a `Builder` constructor that names it.
//!
//! ## Spawn: bind or cancel
//! A new task is bound into the owned-tasks list before its first `Notified` is
//! scheduled, so shutdown can find it even if it never runs. If the list is already
//! closed (the runtime is shutting down: e.g. a spawn from a destructor that shutdown
//! runs), the task is cancelled at once and its `JoinHandle` reports it; the caller
//! gets no `Notified` (`task::bind_new`, with its loom model
//! `loom_bind_racing_shutdown_cancels_or_runs` in `task/loom_tests.rs`).
//!
//! ## Shutdown: the drain
//! After the remote queue is closed and the threads that run tasks are stopped (or
//! given up on), [`Common::shutdown_tasks`] cancels every task in the owned list on
//! this thread (each pending future is dropped exactly once, here), drains the remote
//! queue (references only), and shuts the drivers down (sockets and timers that outlive
//! their tasks then report the shutdown instead of hanging).
//!
//! [`Handle::common`]: super::Handle::common

use std::future::Future;
use std::sync::Arc;

use crossbeam_utils::CachePadded;

use super::blocking::BlockingPool;
use super::config::Config;
use super::context;
use super::local::LocalShared;
use super::remote::{RemoteQueue, Storage};
use super::scheduled::Scheduled;
use crate::driver::DriverSlot;
use crate::loom::sync::atomic::{AtomicU64, Ordering::Relaxed};
use crate::task::list::OwnedTasks;
use crate::task::{self, JoinHandle, Notified, RawTask, Schedule};
use crate::trace::session::Session;

/// The parts every flavour shares (see the module header).
pub(crate) struct Common {
    pub(crate) owned: OwnedTasks,
    /// Tasks spawned from threads that do not run this scheduler.
    remote_spawns: CachePadded<AtomicU64>,
    pub(crate) blocking: BlockingPool,
    /// The I/O and time driver: the first thread to park while it is free sleeps in it.
    pub(crate) driver: Arc<DriverSlot>,
    /// The tracing session (off unless `Builder::trace`, `trace_to` or `SPINDLE_TRACE`).
    pub(crate) trace: Session,
    /// `Builder::unhandled_panic` and the first task panic under it.
    pub(crate) panic_policy: super::panic_policy::PanicPolicy,
    /// The `LocalSet`s that ran on this runtime, for the task dump (dead ones are pruned
    /// by the next dump).
    pub(crate) local_sets: std::sync::Mutex<Vec<std::sync::Weak<LocalShared>>>,
}

impl Common {
    /// `owned_shards`: the owned list's lock shards (more for more threads).
    pub(crate) fn new(
        config: &Config,
        owned_shards: usize,
        driver: Arc<DriverSlot>,
        trace: Session,
    ) -> Common {
        Common {
            owned: OwnedTasks::new(owned_shards),
            remote_spawns: CachePadded::new(AtomicU64::new(0)),
            blocking: BlockingPool::new(config.blocking_threads, config.thread_stack_size, &trace),
            driver,
            trace,
            panic_policy: super::panic_policy::PanicPolicy::new(config.unhandled_panic),
            local_sets: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Allocates a task for `scheduler` and binds it (see "bind or cancel" above): the
    /// `JoinHandle`, and the first `Notified` unless the runtime is shutting down.
    #[inline]
    pub(crate) fn bind_new<F, S>(
        &self,
        future: F,
        scheduler: S,
    ) -> (JoinHandle<F::Output>, Option<Notified>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        task::bind_new(&self.owned, future, scheduler)
    }

    /// Counts a spawn from a thread that does not run this scheduler.
    pub(crate) fn count_remote_spawn(&self) {
        self.remote_spawns.fetch_add(1, Relaxed);
    }

    pub(crate) fn remote_spawns(&self) -> u64 {
        self.remote_spawns.load(Relaxed)
    }

    /// The shutdown drain (see above); `remote` must be closed already.
    pub(crate) fn shutdown_tasks<S: Storage<Notified>>(&self, remote: &RemoteQueue<S>) {
        debug_assert!(remote.is_closed());
        self.owned.close_and_shutdown_all();
        remote.drain();
        self.driver.handle().shutdown();
    }
}

/// What a scheduler flavour provides (see the module header).
pub(crate) trait Flavor: Send + Sync + 'static {
    fn common(&self) -> &Common;

    /// Queues `task`, scheduled for the reason `why`, from a thread whose per-thread
    /// context is `local`.
    fn schedule_task(&self, local: context::Local, task: Notified, why: Scheduled);
}

/// The task cell's view of every flavour: a wake or a yield is scheduled from the
/// calling thread's context; a finished task leaves the common owned list.
impl<T: Flavor> Schedule for Arc<T> {
    #[inline]
    fn schedule(&self, task: Notified) {
        self.schedule_task(context::local(), task, Scheduled::Wake);
    }

    #[inline]
    fn yield_now(&self, task: Notified) {
        self.schedule_task(context::local(), task, Scheduled::Yield);
    }

    fn release(&self, task: RawTask) -> bool {
        self.common().owned.remove(task)
    }

    fn task_panicked(&self, id: task::Id, payload: &(dyn std::any::Any + Send)) {
        self.common().panic_policy.task_panicked(id, payload);
    }
}
