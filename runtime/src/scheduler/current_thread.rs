//! The current-thread scheduler: every task runs on the thread that calls `block_on`.
//!
//! ## Algorithm
//! The scheduler's *core* (its local run queue and its parker) is taken by the thread
//! that enters `block_on`, which then loops:
//! 1. if the `block_on` future was woken, poll it; if it is ready, return;
//! 2. run up to [`EVENT_INTERVAL`] tasks, taking from the local queue first and from the
//!    remote queue every [`REMOTE_INTERVAL`]th tick (so wakes from other threads are not
//!    starved by a busy local queue), each poll under a fresh coop budget;
//! 3. if no task was found and nothing woke the future, park.
//!
//! Wakes and spawns *on that thread* push to the local `VecDeque` (no lock, no atomic).
//! Wakes from other threads lock the remote queue, push, and unpark the core's parker
//! (a single `swap` when the thread is not asleep).
//!
//! ## Seeded schedules and paused time (`docs/determinism.md`)
//! With `Builder::rng_seed`, the core carries a [`SeededRng`] and step 2 changes: the
//! remote queue is moved into the local one, and the next task is drawn uniformly from
//! the local queue (`swap_remove_back`: O(1)), so every ready task may run next and the
//! seed decides which. No counters are consulted, so the same seed, program and inputs
//! give the same sequence of polls. Without a seed the check is one `Option` test per
//! task taken. An unbiased `select!` on this thread draws its start branch from the
//! same generator ([`seeded_below`]).
//!
//! With the clock paused, step 3's park does not sleep towards the next timer (the
//! clock would never get there): the driver collects ready I/O with a zero timeout and,
//! if nothing came and nobody unparked it, jumps the clock to the next timer and fires
//! it (`Driver::park`, "Paused time: the auto-advance"). The loop then finds the woken
//! tasks in the remote queue (wakes during a park cannot borrow the core).
//!
//! ## States and invariants
//! - The core is either in `Shared::core` (nobody drives tasks) or held by exactly one
//!   thread inside `block_on`; a second `block_on` on another thread waits for it
//!   (polling its own future meanwhile) and takes it when it is released.
//! - The remote queue is a `RemoteQueue<Locked>` (`scheduler/remote.rs`): its length is
//!   mirrored in an atomic, so an empty remote queue is checked without taking the lock,
//!   and after shutdown closes it anything pushed is dropped by the pusher itself (push,
//!   fence, check; shutdown closes, then drains): no `Notified` outlives the runtime.
//!
//! ## Stats and trace
//! The core's thread counts into one `WorkerCounters` (busy time from entering
//! `block_on` to each park). When traced, the core carries a `block_on` lane
//! (`trace/lane_hooks.rs`), lent to the `CoreContext` for the duration of the loan so
//! that recording a poll never borrows the core; it records polls, spawns and wakes made
//! on this thread, parks, unparks and driver turns, and is flushed before each park and
//! when the loan ends.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::common::{Common, Flavor};
use super::config::Config;
use super::context;
use super::counters::{BusyClock, Fields, WorkerCounters, bump};
use super::remote::{Locked, RemoteQueue, Storage};
use super::rng::SeededRng;
use super::scheduled::Scheduled;
use super::stats::RuntimeStats;
use crate::coop;
use crate::driver::DriverSlot;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::park::{Parker, Unparker};
use crate::task::{JoinHandle, Notified};
use crate::trace::lane_hooks::LaneHooks;
use crate::trace::session::Session;
use crate::trace::{EventKind, LaneKind};

/// Tasks run between two polls of the `block_on` future (and, later, I/O checks).
const EVENT_INTERVAL: u32 = 61;
/// Every this many ticks the remote queue is checked before the local one.
const REMOTE_INTERVAL: u32 = 31;

/// State shared by the runtime, its handles and every task's waker.
pub(crate) struct Shared {
    /// Tasks scheduled from other threads; closed at shutdown.
    remote: RemoteQueue<Locked<Notified>>,
    core: Mutex<Option<Box<Core>>>,
    /// Unparks whichever thread holds the core.
    unparker: Unparker,
    /// Set by the block_on waker; cleared before each poll of the block_on future.
    woken: Arc<BlockOnWake>,
    block_on_waker: Waker,
    /// Threads waiting in `block_on` for the core.
    core_waiters: Mutex<Vec<Waker>>,
    counters: WorkerCounters,
    /// The owned tasks, blocking pool, driver (the thread holding the core parks in it)
    /// and trace session.
    pub(crate) common: Common,
}

struct Core {
    local: VecDeque<Notified>,
    tick: u32,
    parker: Parker,
    /// The `block_on` lane of the trace (lent to `CoreContext` while the core runs).
    trace: LaneHooks,
    /// `Builder::rng_seed`'s generator (lent to `CoreContext` while the core runs).
    rng: Option<SeededRng>,
}

/// Ends the busy streak when `block_on` returns (or unwinds).
struct StopBusy<'a>(&'a BusyClock, &'a Fields);

impl Drop for StopBusy<'_> {
    fn drop(&mut self) {
        self.0.stop(self.1);
    }
}

struct BlockOnWake {
    woken: AtomicBool,
    unparker: Unparker,
}

impl Wake for BlockOnWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Release);
        self.unparker.unpark();
    }
}

/// The core as lent to the thread in `block_on`, reachable from wakers on that thread.
struct CoreContext {
    shared: *const Shared,
    core: RefCell<Option<Box<Core>>>,
    /// The core's trace lane, moved out of the core for the loan: recording a poll must
    /// not hold a borrow of the core, which wakes during that poll need.
    trace: LaneHooks,
    /// The core's generator, moved out for the loan (a `select!` inside a poll draws
    /// from it, while the core may not be borrowed).
    rng: Cell<Option<SeededRng>>,
}

/// The loan of the core to one `block_on`. Dropping it (also on unwind) puts the core
/// and its lane back and wakes threads waiting for the core.
struct Loan<'a> {
    shared: &'a Shared,
    ctx: CoreContext,
    /// This thread's `context::Local` before this loan.
    prev: context::Local,
}

impl Drop for Loan<'_> {
    fn drop(&mut self) {
        context::replace_local(self.prev);
        let mut core = self.ctx.core.get_mut().take();
        if let Some(core) = core.as_mut() {
            self.ctx.trace.flush();
            core.trace = std::mem::replace(&mut self.ctx.trace, LaneHooks::off());
            core.rng = self.ctx.rng.get();
        }
        *self.shared.core.lock().unwrap() = core;
        if self.shared.remote.is_closed_seqcst() {
            self.shared.shutdown_core();
        }
        for w in self.shared.core_waiters.lock().unwrap().drain(..) {
            w.wake();
        }
    }
}

impl Shared {
    pub(crate) fn new(config: Config, driver: Arc<DriverSlot>, trace: Session) -> Arc<Shared> {
        let parker = Parker::with_driver(driver.clone());
        let unparker = parker.unparker();
        let woken = Arc::new(BlockOnWake {
            woken: AtomicBool::new(true),
            unparker: unparker.clone(),
        });
        Arc::new(Shared {
            remote: RemoteQueue::new(Locked::new()),
            core: Mutex::new(Some(Box::new(Core {
                local: VecDeque::with_capacity(64),
                tick: 0,
                parker,
                trace: trace.lane(LaneKind::BlockOn, 0),
                rng: config.rng_seed.map(SeededRng::new),
            }))),
            unparker,
            block_on_waker: Waker::from(woken.clone()),
            woken,
            core_waiters: Mutex::new(Vec::new()),
            counters: WorkerCounters::default(),
            common: Common::new(&config, 1, driver, trace),
        })
    }

    pub(crate) fn spawn<F>(
        me: &Arc<Shared>,
        local: context::Local,
        future: F,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        me.count_spawn(local);
        let (join, notified) = me.common.bind_new(future, me.clone());
        if let Some(notified) = notified {
            me.schedule_task(local, notified, Scheduled::Spawn);
        }
        join
    }

    /// Runs `f` with the core context if `local` (this thread's `context::Local`) holds
    /// this runtime's core.
    #[inline]
    fn with_core<R>(&self, local: context::Local, f: impl FnOnce(&CoreContext) -> R) -> Option<R> {
        // SAFETY: `local.core` is only ever set by `run_with_core`, to a CoreContext that
        // stays on this thread's stack until the loan's drop resets it; `local` was read
        // on this thread and is used before returning.
        let ctx = unsafe { local.core.cast::<CoreContext>().as_ref() }?;
        std::ptr::eq(ctx.shared, self).then(|| f(ctx))
    }

    fn push_remote(&self, task: Notified) {
        if self.remote.push(task) {
            self.unparker.unpark();
        }
    }

    fn pop_remote(&self) -> Option<Notified> {
        self.remote.storage().pop()
    }

    /// `block_on` for this runtime (the caller has entered the runtime context).
    pub(crate) fn block_on<F: Future>(&self, fut: F) -> F::Output {
        let mut fut = pin!(fut);
        loop {
            let core = self.core.lock().unwrap().take();
            if let Some(core) = core {
                return self.run_with_core(core, fut.as_mut());
            }
            // Another thread drives the tasks: wait for our future or for the core.
            let done = crate::park::block_on(std::future::poll_fn(|cx| {
                if let Poll::Ready(out) = fut.as_mut().poll(cx) {
                    return Poll::Ready(Some(out));
                }
                let mut waiters = self.core_waiters.lock().unwrap();
                if self.core.lock().unwrap().is_some() {
                    return Poll::Ready(None);
                }
                waiters.push(cx.waker().clone());
                Poll::Pending
            }));
            if let Some(out) = done {
                return out;
            }
        }
    }

    fn run_with_core<F: Future>(
        &self,
        core: Box<Core>,
        mut fut: std::pin::Pin<&mut F>,
    ) -> F::Output {
        let mut core = core;
        let trace = std::mem::replace(&mut core.trace, LaneHooks::off());
        let rng = Cell::new(core.rng);
        let mut loan = Loan {
            shared: self,
            ctx: CoreContext {
                shared: self,
                core: RefCell::new(Some(core)),
                trace,
                rng,
            },
            prev: context::Local {
                worker: std::ptr::null(),
                core: std::ptr::null(),
            },
        };
        // Only `loan.prev` is written while the context points at `loan.ctx`, and `loan`
        // stays in place until its drop resets the context first.
        loan.prev = context::replace_core((&loan.ctx as *const CoreContext).cast());
        let ctx = &loan.ctx;
        // Busy from entering block_on to each park (see `scheduler/counters.rs`).
        let busy = BusyClock::default();
        busy.start();
        let _count_busy = StopBusy(&busy, self.counters.get());
        // Let the future be polled first.
        self.woken.woken.store(true, Relaxed);
        let mut cx = Context::from_waker(&self.block_on_waker);
        loop {
            if self.woken.woken.swap(false, AcqRel) {
                if let Poll::Ready(out) = coop::with_budget(|| fut.as_mut().poll(&mut cx)) {
                    return out;
                }
            }
            let c = self.counters.get();
            let mut ran = 0;
            while ran < EVENT_INTERVAL {
                let Some(task) = self.next_task(ctx) else {
                    break;
                };
                bump(&c.polls, 1);
                ctx.trace
                    .poll(task, |task| coop::with_budget(|| task.run()));
                ran += 1;
            }
            if ran == EVENT_INTERVAL {
                // Busy: still collect I/O events and due timers now and then.
                busy.fold(c);
                let core = ctx.core.borrow();
                let report = core.as_ref().expect("core").parker.poll_driver();
                c.add_driver_report(report);
                ctx.trace.driver_turn(report);
            }
            if ran == 0 && !self.woken.woken.load(Acquire) {
                busy.stop(c);
                bump(&c.parks, 1);
                ctx.trace.record(|| EventKind::Park);
                ctx.trace.flush();
                let core = ctx.core.borrow();
                let report = core.as_ref().expect("core").parker.park();
                ctx.trace.record(|| EventKind::Unpark);
                ctx.trace.driver_turn(report);
                c.add_driver_report(report);
                bump(&c.unparks, 1);
                busy.start();
            }
        }
    }

    fn next_task(&self, ctx: &CoreContext) -> Option<Notified> {
        let mut core = ctx.core.borrow_mut();
        let core = core.as_mut().expect("core");
        if let Some(mut rng) = ctx.rng.get() {
            return self.next_seeded(core, &mut rng, ctx);
        }
        core.tick = core.tick.wrapping_add(1);
        let c = self.counters.get();
        if core.tick % REMOTE_INTERVAL == 0 {
            if let Some(t) = self.pop_remote() {
                bump(&c.injector_pops, 1);
                return Some(t);
            }
        }
        if let Some(t) = core.local.pop_front() {
            bump(&c.local_pops, 1);
            return Some(t);
        }
        let t = self.pop_remote();
        if t.is_some() {
            bump(&c.injector_pops, 1);
        }
        t
    }

    /// `next_task` with a seed: every ready task is a candidate, the seed picks one.
    #[cold]
    fn next_seeded(
        &self,
        core: &mut Core,
        rng: &mut SeededRng,
        ctx: &CoreContext,
    ) -> Option<Notified> {
        let c = self.counters.get();
        while let Some(t) = self.pop_remote() {
            bump(&c.injector_pops, 1);
            core.local.push_back(t);
        }
        let len = u32::try_from(core.local.len()).unwrap_or(u32::MAX);
        if len == 0 {
            return None;
        }
        let pick = rng.below(len) as usize;
        ctx.rng.set(Some(*rng));
        bump(&c.local_pops, 1);
        // Moves the back entry into the hole: O(1), and the order of the rest does
        // not matter, since every pick is uniform over the whole queue.
        core.local.swap_remove_back(pick)
    }

    /// Shutdown step 1 (Runtime drop): stop accepting work and cancel every task.
    pub(crate) fn shutdown(&self) {
        self.remote.close();
        self.common.shutdown_tasks(&self.remote);
        self.shutdown_core();
    }

    /// Drops the local queue's entries, if the core is here (else its holder does it
    /// when it releases the core).
    fn shutdown_core(&self) {
        let local = match self.core.lock().unwrap().as_mut() {
            Some(core) => std::mem::take(&mut core.local),
            None => return,
        };
        drop(local);
    }

    pub(crate) fn stats(&self) -> RuntimeStats {
        RuntimeStats {
            flavor: "current_thread",
            workers: vec![self.counters.snapshot()],
            remote_spawns: self.common.remote_spawns(),
            live_tasks: self.common.owned.len(),
            tasks: self.common.trace.task_stats(),
        }
    }

    /// Counts a spawn: on the core's thread in its own counter, elsewhere in the shared
    /// `remote_spawns` (a locked add, off the hot path).
    fn count_spawn(&self, local: context::Local) {
        if self.with_core(local, |_| ()).is_none() {
            self.common.count_remote_spawn();
        } else {
            bump(&self.counters.get().spawns, 1);
        }
    }
}

impl Shared {
    /// Queues a spawned (`spawn`) or woken task: locally on the core's thread, else
    /// remotely. The trace records it on the core's lane or in the shared list.
    fn schedule_task(&self, local: context::Local, task: Notified, why: Scheduled) {
        let mut task = Some(task);
        let on_core_thread = self
            .with_core(local, |ctx| {
                why.record_on_lane(&ctx.trace, task.as_ref().expect("task"));
                // `try_borrow_mut` fails only if the loop itself holds the core borrowed
                // (parked, or polling the driver); fall back to the remote queue.
                if let Ok(mut core) = ctx.core.try_borrow_mut() {
                    if let Some(core) = core.as_mut() {
                        core.local.push_back(task.take().expect("task"));
                    }
                }
            })
            .is_some();
        if let Some(task) = task {
            if !on_core_thread {
                why.record_shared(&self.common.trace, &task);
            }
            self.push_remote(task);
        }
    }
}

/// A number in `0..n` from the seeded generator of the current-thread runtime whose core
/// this thread holds, if it has one (`Builder::rng_seed`); `None` otherwise (no such
/// runtime here, or no seed), and the caller uses its own generator. This is how an
/// unbiased `select!` becomes part of the seeded schedule.
pub(crate) fn seeded_below(n: u32) -> Option<u32> {
    let local = context::local();
    // SAFETY: `local.core` is only ever set by `run_with_core`, to a `CoreContext` that
    // stays on this thread's stack until the loan's drop resets it (see `with_core`);
    // it was read on this thread and is used before returning.
    let ctx = unsafe { local.core.cast::<CoreContext>().as_ref() }?;
    let mut rng = ctx.rng.get()?;
    let pick = rng.below(n);
    ctx.rng.set(Some(rng));
    Some(pick)
}

impl Flavor for Shared {
    #[inline]
    fn common(&self) -> &Common {
        &self.common
    }

    #[inline]
    fn schedule_task(&self, local: context::Local, task: Notified, why: Scheduled) {
        Shared::schedule_task(self, local, task, why);
    }
}
