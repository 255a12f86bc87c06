//! The multi-thread, work-stealing scheduler.
//!
//! ## Where a task goes when it is scheduled
//! ```text
//!   spawn / wake on a worker ──► that worker's LIFO slot ──(previous occupant)──► its local queue
//!   self-wake (yield)        ──► back of the local queue
//!   spawn / wake elsewhere   ──► the global Injector ──► notify an idle worker (idle.rs)
//! ```
//! - The **LIFO slot** holds the task this worker most recently woke: in message passing
//!   the receiver is usually the next useful thing to run, and its data is still in cache
//!   (tokio's LIFO slot; Go's `runnext`). It is not stealable.
//! - The **local queue** is a crossbeam-deque FIFO `Worker`; other workers steal half of
//!   it at once (`steal_batch_and_pop`), the Chase-Lev deque (Chase & Lev 2005, with the
//!   memory orderings of Lê et al. 2013).
//! - The **Injector** is crossbeam's lock-free global queue for work from outside.
//!
//! The worker loop, the fairness rules and the parking protocol are in [`worker`] and
//! [`idle`]; starting, pinning and joining the threads in [`launch`]; `docs/park-unpark.md` explains the parking race step by step.
//!
//! ## Shutdown
//! `shutdown` sets a flag and unparks every worker; each worker drops the entries of its
//! LIFO slot and local queue (references only) and exits. The runtime then (on the
//! dropping thread) closes the owned-tasks list and cancels every task in it, which drops
//! each remaining future exactly once, and drains the injector. A push racing with all
//! this sees the flag (push, fence, check; shutdown sets, then drains) and drains the
//! injector itself, so no queue entry outlives the runtime.

mod idle;
mod launch;
mod worker;

use std::future::Future;
use std::sync::Arc;

use crossbeam_deque::{Injector, Stealer, Worker};
use crossbeam_utils::CachePadded;

use super::counters::WorkerCounters;
use crate::loom::sync::atomic::{AtomicBool, AtomicU64, Ordering::*, fence};
use crate::park::{DriverSlot, Parker, Unparker};
use crate::runtime::{BlockingPool, Config, RuntimeStats, WorkerStats};
use crate::task::list::OwnedTasks;
use crate::task::{self, JoinHandle, Notified, RawTask, Schedule};
use crate::trace::lane_hooks::scheduled_event;
use crate::trace::session::Session;

pub(crate) use launch::{Workers, launch};

/// What other threads may touch of one worker.
struct Remote {
    stealer: Stealer<Notified>,
    unparker: Unparker,
    counters: WorkerCounters,
}

/// State shared by all workers, handles and task wakers of one runtime.
pub(crate) struct Shared {
    remotes: Box<[Remote]>,
    injector: Injector<Notified>,
    idle: idle::Idle,
    owned: OwnedTasks,
    shutdown: CachePadded<AtomicBool>,
    remote_spawns: CachePadded<AtomicU64>,
    pub(crate) config: Config,
    pub(crate) blocking: BlockingPool,
    /// The I/O and time driver: the first worker to park while it is free sleeps in it.
    pub(crate) driver: Arc<DriverSlot>,
    /// The tracing session (off unless `Builder::trace`, `trace_to` or `SPINDLE_TRACE`).
    pub(crate) trace: Session,
}

/// What each worker thread starts with (moved into the thread).
pub(crate) struct WorkerSeed {
    index: usize,
    local: Worker<Notified>,
    parker: Parker,
}

impl Shared {
    /// Creates the shared state and the per-worker seeds for `launch`.
    pub(crate) fn new(
        config: Config,
        workers: usize,
        driver: Arc<DriverSlot>,
        trace: Session,
    ) -> (Arc<Shared>, Vec<WorkerSeed>) {
        let mut seeds = Vec::with_capacity(workers);
        let mut remotes = Vec::with_capacity(workers);
        for index in 0..workers {
            let local = Worker::new_fifo();
            let parker = Parker::with_driver(driver.clone());
            remotes.push(Remote {
                stealer: local.stealer(),
                unparker: parker.unparker(),
                counters: WorkerCounters::default(),
            });
            seeds.push(WorkerSeed {
                index,
                local,
                parker,
            });
        }
        let shared = Arc::new(Shared {
            remotes: remotes.into_boxed_slice(),
            injector: Injector::new(),
            idle: idle::Idle::new(workers),
            owned: OwnedTasks::new(workers * 4),
            shutdown: CachePadded::new(AtomicBool::new(false)),
            remote_spawns: CachePadded::new(AtomicU64::new(0)),
            blocking: BlockingPool::new(config.blocking_threads, config.thread_stack_size, &trace),
            config,
            driver,
            trace,
        });
        (shared, seeds)
    }

    pub(crate) fn spawn<F>(me: &Arc<Shared>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (notified, join, raw) = task::new_task(future, me.clone());
        if !me.owned.bind(raw) {
            // Shut down: the task is cancelled at once; its JoinHandle says so.
            task::shutdown_unbound(raw);
            drop(notified);
            return join;
        }
        if let Err(notified) = worker::schedule_local(me, notified, false, true) {
            me.remote_spawns.fetch_add(1, Relaxed);
            me.trace.record_shared(|| scheduled_event(&notified, true));
            me.push_remote(notified);
        }
        join
    }

    fn schedule_task(self: &Arc<Shared>, task: Notified, is_yield: bool) {
        if let Err(task) = worker::schedule_local(self, task, is_yield, false) {
            self.trace.record_shared(|| scheduled_event(&task, false));
            self.push_remote(task);
        }
    }

    /// From outside a worker: the injector, then maybe wake a worker.
    fn push_remote(&self, task: Notified) {
        self.injector.push(task);
        fence(SeqCst);
        if self.shutdown.load(SeqCst) {
            self.drain_injector();
            return;
        }
        self.notify_parked();
    }

    /// Wakes one sleeping worker if nobody is searching (see idle.rs).
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            if self.trace.is_on() {
                worker::trace_notify(self, index);
            }
            self.remotes[index].unparker.unpark();
        }
    }

    /// Called by the last searcher before it parks: if any queue has work, wake someone.
    fn notify_if_work_pending(&self) {
        let pending =
            !self.injector.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty());
        if pending {
            self.notify_parked();
        }
    }

    fn drain_injector(&self) {
        while let Some(task) = self.injector.steal().success() {
            drop(task);
        }
    }

    fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }

    /// Shutdown step 1: tell the workers to stop.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        self.idle.unpark_all_for_shutdown();
        for r in self.remotes.iter() {
            r.unparker.unpark();
        }
    }

    /// Shutdown step 2 (after the workers stopped, or the timeout passed): cancel every
    /// task and drop every queued entry.
    pub(crate) fn finish_shutdown(&self) {
        self.owned.close_and_shutdown_all();
        self.drain_injector();
        // Sockets and timers that outlive their tasks now report the shutdown.
        self.driver.handle().shutdown();
    }

    /// The core worker `index` is pinned to (`Builder::pin_workers`), if any.
    pub(crate) fn pinned_core(&self, index: usize) -> Option<usize> {
        let cores = self.config.pin_cores.as_deref()?;
        Some(cores[index % cores.len()])
    }

    pub(crate) fn stats(&self) -> RuntimeStats {
        RuntimeStats {
            flavor: "multi_thread",
            workers: (self.remotes.iter().enumerate())
                .map(|(i, r)| WorkerStats {
                    pinned_core: self.pinned_core(i),
                    ..r.counters.snapshot()
                })
                .collect(),
            remote_spawns: self.remote_spawns.load(Relaxed),
            live_tasks: self.owned.len(),
            tasks: self.trace.task_stats(),
        }
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule_task(task, true);
    }

    fn release(&self, task: RawTask) -> bool {
        self.owned.remove(task)
    }
}
