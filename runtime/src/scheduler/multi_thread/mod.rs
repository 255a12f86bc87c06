//! The multi-thread, work-stealing scheduler.
//!
//! ## Where a task goes when it is scheduled
//! ```text
//!   spawn / wake on a worker ──► that worker's LIFO slot ──(previous occupant)──► its local queue
//!   wake during a driver turn ─► the local queue (no LIFO slot, nobody woken yet)
//!   self-wake (yield)        ──► the worker's deferred list
//!   spawn / wake elsewhere   ──► the global Injector ──► notify an idle worker (idle.rs)
//! ```
//! The whole decision, and whom it wakes, is in [`schedule`].
//! - The **LIFO slot** holds the task this worker most recently woke: in message passing
//!   the receiver is usually the next useful thing to run, and its data is still in cache
//!   (tokio's LIFO slot; Go's `runnext`). It is not stealable.
//! - The **local queue** is a crossbeam-deque FIFO `Worker`; other workers steal a batch
//!   at once (`steal_batch_and_pop`: half the queue, at most 32 tasks), the Chase-Lev deque (Chase & Lev 2005, with the
//!   memory orderings of Lê et al. 2013).
//! - The **Injector** is crossbeam's lock-free global queue for work from outside.
//!
//! The worker loop, the fairness rules and the parking protocol are in [`worker`] and
//! [`idle`]; starting, pinning and joining the threads in [`launch`];
//! `docs/park-unpark.md` explains the parking race step by step.
//!
//! ## Shutdown
//! `begin_shutdown` closes the injector (`scheduler/remote.rs`) and unparks every worker; each worker drops the entries of its
//! LIFO slot and local queue (references only) and exits. The runtime then (on the
//! dropping thread) runs the shared drain (`scheduler/common.rs`): it closes the
//! owned-tasks list and cancels every task in it, which drops each remaining future
//! exactly once, and drains the injector. A push racing with all this sees the flag
//! (push, fence, check; shutdown closes, then drains) and drains the injector itself, so
//! no queue entry outlives the runtime.

mod idle;
mod launch;
mod schedule;
mod worker;

use std::sync::Arc;

use crossbeam_deque::{Injector, Stealer, Worker};

use super::common::Common;
use super::config::Config;
use super::counters::WorkerCounters;
use super::remote::RemoteQueue;
use super::stats::{RuntimeStats, WorkerStats};
use crate::driver::DriverSlot;
use crate::park::{Parker, Unparker};
use crate::task::Notified;
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
    /// The global queue (crossbeam's `Injector`) and the shutdown flag.
    injector: RemoteQueue<Injector<Notified>>,
    idle: idle::Idle,
    pub(crate) config: Config,
    /// The owned tasks, blocking pool, driver (the first worker to park while it is free
    /// sleeps in it) and trace session.
    pub(crate) common: Common,
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
            injector: RemoteQueue::new(Injector::new()),
            idle: idle::Idle::new(workers),
            common: Common::new(&config, workers * 4, driver, trace),
            config,
        });
        (shared, seeds)
    }

    fn is_shutdown(&self) -> bool {
        self.injector.is_closed()
    }

    /// Shutdown step 1: tell the workers to stop.
    pub(crate) fn begin_shutdown(&self) {
        self.injector.close();
        self.idle.unpark_all_for_shutdown();
        for r in self.remotes.iter() {
            r.unparker.unpark();
        }
    }

    /// Shutdown step 2 (after the workers stopped, or the timeout passed): cancel every
    /// task and drop every queued entry.
    pub(crate) fn finish_shutdown(&self) {
        self.common.shutdown_tasks(&self.injector);
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
            remote_spawns: self.common.remote_spawns(),
            live_tasks: self.common.owned.len(),
            tasks: self.common.trace.task_stats(),
        }
    }
}
