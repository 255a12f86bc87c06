//! One worker thread of the multi-thread scheduler: its run loop, its fairness rules,
//! and how it steals and parks.
//!
//! ## The loop
//! ```text
//! loop {
//!     task = next_task()            // every 61st tick: injector first; else LIFO slot,
//!                                   // local queue, then a batch from the injector
//!         or flush_deferred()       // tasks that yielded, back into the local queue
//!         or steal_work()           // become a searcher (if < half are), steal half of a
//!                                   // random victim's queue, else a batch of the injector
//!     match task {
//!         Some(t) => run_task(t),   // poll t, then up to MAX_LIFO_POLLS tasks it woke
//!         None    => park(),        // idle.rs protocol; re-check queues if last searcher
//!     }
//! }
//! ```
//!
//! ## Fairness
//! - **Injector every 61 ticks.** A worker whose local queue never empties would
//!   otherwise never look at the injector, starving spawns and wakes from outside. 61 is
//!   tokio's `global_queue_interval` default (inherited from Go's scheduler, which checks
//!   its global run queue every 61st schedule): prime, so it does not fall into step
//!   with workloads that loop a power-of-two or round number of times, and small enough
//!   that an injected task waits at most ~61 polls behind a busy worker.
//! - **LIFO bound.** Two tasks that wake each other would swap through the LIFO slot
//!   forever and starve the local queue; after [`MAX_LIFO_POLLS`] consecutive LIFO polls
//!   the slot's task goes to the back of the local queue (tokio's `MAX_LIFO_POLLS_PER_TICK`).
//! - **Yielded tasks go last.** A task that wakes itself during its poll (`yield_now`,
//!   or the coop budget running out) is *deferred*: it goes back to the local queue when
//!   the LIFO slot, the local queue and the injector are empty, or at the latest every 61
//!   ticks. Otherwise a few tasks looping on `yield_now` would fill the local queue
//!   forever, and work injected from outside would only be looked at every 61 polls.
//!   tokio does the same (`context::defer` in `yield_now`; deferred tasks are woken when
//!   the worker would park and at every `event_interval` maintenance tick).
//! - **Cooperative budget.** Each poll runs under `coop::with_budget`, so a task looping
//!   on always-ready spindle leaf futures is forced to yield.
//!
//! ## Observability
//! `run_one` is the one place where a poll starts and ends; the counters are the
//! owner-written per-worker `WorkerCounters` (`scheduler/counters.rs`, with busy time per
//! busy streak). Each worker also owns a trace lane (`trace/lane_hooks.rs`): the hooks
//! below (`self.trace.…`) record polls with their core, spawns and wakes made here,
//! steals, parks and unparks, notifications and driver turns; untraced each is one
//! branch. The lane is flushed when the worker parks and when it exits, so a snapshot
//! taken while the runtime is idle sees everything.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crossbeam_deque::{Steal, Worker};

use super::{Shared, WorkerSeed};
use crate::coop;
use crate::park::Parker;
use crate::scheduler::counters::{BusyClock, bump};
use crate::scheduler::rng::SeededRng;
use crate::scheduler::{Handle, context};
use crate::task::Notified;
use crate::trace::lane_hooks::LaneHooks;
use crate::trace::{EventKind, LaneKind};

/// Consecutive polls of LIFO-slot tasks before the slot is flushed to the local queue.
const MAX_LIFO_POLLS: u32 = 3;
/// Every this many ticks the injector is checked before the local queue.
const GLOBAL_QUEUE_INTERVAL: u32 = 61;

/// A worker's private state, reachable from wakers running on its thread.
pub(super) struct WorkerContext {
    pub(super) shared: Arc<Shared>,
    pub(super) index: usize,
    pub(super) core: RefCell<Core>,
    parker: Parker,
    /// True while this worker runs the I/O and time driver (parked in it, or polling it
    /// between tasks). Tasks the driver wakes then go to the local queue, not the LIFO
    /// slot: they were not woken by the task that just ran, so the LIFO slot's locality
    /// argument does not hold, and in the (unstealable) slot they would wait behind
    /// whatever this worker runs next — a connect loop that never blocks, say — while
    /// another worker sits idle.
    pub(super) in_driver: Cell<bool>,
    /// Start of the current busy streak (`scheduler/counters.rs`).
    busy: BusyClock,
    /// This worker's trace lane (off when untraced).
    pub(super) trace: LaneHooks,
}

pub(super) struct Core {
    pub(super) local: Worker<Notified>,
    pub(super) lifo: Option<Notified>,
    /// Tasks that yielded (woke themselves during their poll): they run after everything
    /// else this worker can find (see "Yielded tasks go last" in the module header).
    pub(super) deferred: Vec<Notified>,
    tick: u32,
    searching: bool,
    rng: XorShift,
}

/// Marsaglia's xorshift32: a tiny, fast generator for picking steal victims (no need
/// for quality, only for spreading thieves over victims).
struct XorShift(u32);

impl XorShift {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

/// The first state of worker `index`'s victim picker: from `Builder::rng_seed` when one
/// is set (steal order then repeats, but which worker finds which task still depends
/// on thread timing: only the current-thread scheduler is deterministic), else fixed
/// per index. Never zero (xorshift's fixed point).
fn steal_seed(rng_seed: Option<u64>, index: usize) -> u32 {
    match rng_seed {
        Some(s) => (SeededRng::derived(s, index as u64).next_u64() >> 32) as u32 | 1,
        None => 0x9E37_79B9 ^ (index as u32 + 1).wrapping_mul(0x85EB_CA6B),
    }
}

/// A worker thread's body (started by `launch.rs`): the loop of the module header.
pub(super) fn run(shared: Arc<Shared>, seed: WorkerSeed) {
    let handle = Handle::MultiThread(shared.clone());
    let _context = context::enter(&handle);
    // The task dump's "running on worker N" (wait.rs).
    crate::wait::set_worker(seed.index as u32);
    let ctx = WorkerContext {
        index: seed.index,
        core: RefCell::new(Core {
            local: seed.local,
            lifo: None,
            deferred: Vec::new(),
            tick: 0,
            searching: false,
            rng: XorShift(steal_seed(shared.config.rng_seed, seed.index)),
        }),
        parker: seed.parker,
        in_driver: Cell::new(false),
        busy: BusyClock::default(),
        trace: shared.common.trace.lane(LaneKind::Worker, seed.index),
        shared,
    };
    // Declared after `ctx`, so dropped (the context reset) before it, even on unwind.
    let _local = context::set_local(context::Local {
        worker: (&ctx as *const WorkerContext).cast(),
        core: std::ptr::null(),
    });
    while !ctx.shared.is_shutdown() {
        let task = ctx
            .next_task()
            .or_else(|| ctx.flush_deferred())
            .or_else(|| ctx.steal_work());
        match task {
            Some(task) => {
                ctx.busy.start();
                ctx.run_task(task);
            }
            None => {
                ctx.busy.stop(ctx.counters());
                ctx.park(); // records `Park` and flushes the lane before it sleeps
            }
        }
    }
    ctx.busy.stop(ctx.counters());
    // Drop our queue entries (references only; the futures are dropped by the owned-tasks
    // shutdown). Borrowed while dropping, so wakes from destructors go remote.
    {
        let mut core = ctx.core.borrow_mut();
        drop(core.lifo.take());
        core.deferred.clear();
        while let Some(t) = core.local.pop() {
            drop(t);
        }
    }
}

impl WorkerContext {
    fn counters(&self) -> &crate::scheduler::counters::Fields {
        self.shared.remotes[self.index].counters.get()
    }

    fn next_task(&self) -> Option<Notified> {
        let c = self.counters();
        let mut core = self.core.borrow_mut();
        core.tick = core.tick.wrapping_add(1);
        if core.tick % GLOBAL_QUEUE_INTERVAL == 0 {
            // Maintenance: collect I/O events and due timers without sleeping, so they
            // are serviced even while every worker stays busy (tokio does the same on
            // its 61-tick interval). Wakes land in this worker's queues.
            drop(core);
            self.busy.fold(c);
            self.in_driver.set(true);
            let report = self.parker.poll_driver();
            c.add_driver_report(report);
            self.trace.driver_turn(report);
            self.in_driver.set(false);
            // This worker is busy: whatever the turn woke is for the others to steal.
            self.after_driver(0);
            core = self.core.borrow_mut();
            // Yielded tasks wait at most this long, even behind a queue that never
            // empties (tokio wakes its deferred tasks at the same interval).
            if !core.deferred.is_empty() {
                let core = &mut *core;
                for t in core.deferred.drain(..) {
                    core.local.push(t);
                }
            }
            if let Some(t) = self.shared.injector.storage().steal().success() {
                bump(&c.injector_pops, 1);
                return Some(t);
            }
        }
        if let Some(t) = core.lifo.take() {
            bump(&c.lifo_pops, 1);
            return Some(t);
        }
        if let Some(t) = core.local.pop() {
            bump(&c.local_pops, 1);
            return Some(t);
        }
        self.pop_injector_batch(&core.local)
    }

    /// Out of other work: the yielded tasks go back to the local queue (where idle workers
    /// can steal them) and the first one runs.
    fn flush_deferred(&self) -> Option<Notified> {
        let mut core = self.core.borrow_mut();
        if core.deferred.is_empty() {
            return None;
        }
        let mut deferred = std::mem::take(&mut core.deferred);
        let mut rest = deferred.drain(..);
        let first = rest.next();
        let mut pushed = false;
        for t in rest.by_ref() {
            core.local.push(t);
            pushed = true;
        }
        drop(rest);
        core.deferred = deferred; // keep the allocation
        drop(core);
        bump(&self.counters().local_pops, 1);
        if pushed {
            self.shared.notify_parked();
        }
        first
    }

    /// Takes a batch from the injector into `local`, returning one task.
    fn pop_injector_batch(&self, local: &Worker<Notified>) -> Option<Notified> {
        loop {
            match self.shared.injector.storage().steal_batch_and_pop(local) {
                Steal::Success(t) => {
                    bump(&self.counters().injector_pops, 1 + local.len() as u64);
                    return Some(t);
                }
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    fn steal_work(&self) -> Option<Notified> {
        let mut core = self.core.borrow_mut();
        if !core.searching {
            if !self.shared.idle.transition_worker_to_searching() {
                return None;
            }
            core.searching = true;
        }
        let n = self.shared.remotes.len();
        let start = core.rng.next() as usize % n;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            loop {
                match self.shared.remotes[victim]
                    .stealer
                    .steal_batch_and_pop(&core.local)
                {
                    Steal::Success(t) => {
                        let c = self.counters();
                        let count = 1 + core.local.len();
                        bump(&c.steals, 1);
                        bump(&c.stolen, count as u64);
                        self.trace.record(|| EventKind::Steal {
                            victim: victim as u32,
                            count: count as u32,
                        });
                        return Some(t);
                    }
                    Steal::Empty => break,
                    Steal::Retry => std::hint::spin_loop(),
                }
            }
        }
        self.pop_injector_batch(&core.local)
    }

    fn run_task(&self, task: Notified) {
        {
            let mut core = self.core.borrow_mut();
            if core.searching {
                core.searching = false;
                drop(core);
                // The last searcher to find work wakes another worker: pushes made while
                // it searched did not wake anyone (idle.rs invariant 3).
                if self.shared.idle.transition_worker_from_searching() {
                    self.shared.notify_parked();
                }
            }
        }
        self.run_one(task);
        let mut lifo_polls = 0;
        loop {
            let mut core = self.core.borrow_mut();
            let Some(next) = core.lifo.take() else { return };
            if lifo_polls >= MAX_LIFO_POLLS {
                // No wake-up here: this worker pops the task next itself; waking a sleeper
                // for it would cost ~20 µs for nothing (as in tokio).
                core.local.push(next);
                return;
            }
            drop(core);
            lifo_polls += 1;
            bump(&self.counters().lifo_pops, 1);
            self.run_one(next);
        }
    }

    /// One poll: the single place where a poll of a task starts and ends.
    #[inline]
    fn run_one(&self, task: Notified) {
        bump(&self.counters().polls, 1);
        self.trace
            .poll(task, |task| coop::with_budget(|| task.run()));
    }

    /// After a driver turn: if more tasks wait in the local queue than this worker will
    /// take itself (`keep`), wake a sleeping worker to steal them (if none is searching).
    fn after_driver(&self, keep: usize) {
        if self.core.borrow().local.len() > keep {
            self.shared.notify_parked();
        }
    }

    fn has_local_work(&self) -> bool {
        let core = self.core.borrow();
        core.lifo.is_some() || !core.local.is_empty()
    }

    fn park(&self) {
        let was_searching = std::mem::replace(&mut self.core.borrow_mut().searching, false);
        if self
            .shared
            .idle
            .transition_worker_to_parked(self.index, was_searching)
        {
            // Last searcher: a push may have raced with our decision to sleep.
            self.shared.notify_if_work_pending();
        }
        loop {
            bump(&self.counters().parks, 1);
            self.trace.record(|| EventKind::Park);
            self.trace.flush();
            self.in_driver.set(true);
            let report = self.parker.park();
            self.in_driver.set(false);
            self.trace.record(|| EventKind::Unpark);
            self.trace.driver_turn(report);
            self.counters().add_driver_report(report);
            // This worker runs the first task the turn woke; the rest are for others.
            self.after_driver(1);
            if self.shared.is_shutdown() {
                return;
            }
            if self.has_local_work() {
                // The driver woke tasks onto our own queues while we slept in it: run
                // them. If a notifier already chose us, it counted us as searching.
                let chosen = !self.shared.idle.unpark_worker_by_id(self.index);
                self.core.borrow_mut().searching = chosen;
                bump(&self.counters().unparks, 1);
                return;
            }
            if !self.shared.idle.is_parked(self.index) {
                // Chosen by worker_to_notify, which counted us as searching.
                self.core.borrow_mut().searching = true;
                bump(&self.counters().unparks, 1);
                return;
            }
        }
    }
}
