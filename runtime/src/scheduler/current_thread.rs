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
//! ## States and invariants
//! - The core is either in `Shared::core` (nobody drives tasks) or held by exactly one
//!   thread inside `block_on`; a second `block_on` on another thread waits for it
//!   (polling its own future meanwhile) and takes it when it is released.
//! - `remote_len` equals the remote queue's length (written under its lock), so an empty
//!   remote queue is checked without taking the lock.
//! - After `shutdown` is set, anything pushed to the remote queue is dropped by the
//!   pusher itself (push, then check the flag; shutdown sets the flag, then drains):
//!   no `Notified` outlives the runtime.
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

use super::counters::{BusyClock, Fields, WorkerCounters, bump};
use crate::coop;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*, fence};
use crate::park::{DriverSlot, Parker, Unparker};
use crate::runtime::{BlockingPool, Config, RuntimeStats};
use crate::task::list::OwnedTasks;
use crate::task::{self, JoinHandle, Notified, RawTask, Schedule};
use crate::trace::lane_hooks::{LaneHooks, Scheduled, scheduled_event};
use crate::trace::session::Session;
use crate::trace::{EventKind, LaneKind};

/// Tasks run between two polls of the `block_on` future (and, later, I/O checks).
const EVENT_INTERVAL: u32 = 61;
/// Every this many ticks the remote queue is checked before the local one.
const REMOTE_INTERVAL: u32 = 31;

/// State shared by the runtime, its handles and every task's waker.
pub(crate) struct Shared {
    remote: Mutex<VecDeque<Notified>>,
    remote_len: AtomicUsize,
    owned: OwnedTasks,
    core: Mutex<Option<Box<Core>>>,
    /// Unparks whichever thread holds the core.
    unparker: Unparker,
    /// Set by the block_on waker; cleared before each poll of the block_on future.
    woken: Arc<BlockOnWake>,
    block_on_waker: Waker,
    /// Threads waiting in `block_on` for the core.
    core_waiters: Mutex<Vec<Waker>>,
    shutdown: AtomicBool,
    counters: WorkerCounters,
    remote_spawns: AtomicU64,
    pub(crate) blocking: BlockingPool,
    /// The I/O and time driver; the thread holding the core parks in it.
    pub(crate) driver: Arc<DriverSlot>,
    /// The tracing session (off unless asked for).
    pub(crate) trace: Session,
}

struct Core {
    local: VecDeque<Notified>,
    tick: u32,
    parker: Parker,
    /// The `block_on` lane of the trace (lent to `CoreContext` while the core runs).
    trace: LaneHooks,
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
}

/// The loan of the core to one `block_on`. Dropping it (also on unwind) puts the core
/// and its lane back and wakes threads waiting for the core.
struct Loan<'a> {
    shared: &'a Shared,
    ctx: CoreContext,
    /// What CORE pointed to before this loan.
    prev: *const CoreContext,
}

impl Drop for Loan<'_> {
    fn drop(&mut self) {
        CORE.with(|c| c.set(self.prev));
        let mut core = self.ctx.core.get_mut().take();
        if let Some(core) = core.as_mut() {
            self.ctx.trace.flush();
            core.trace = std::mem::replace(&mut self.ctx.trace, LaneHooks::off());
        }
        *self.shared.core.lock().unwrap() = core;
        if self.shared.shutdown.load(SeqCst) {
            self.shared.shutdown_core();
        }
        for w in self.shared.core_waiters.lock().unwrap().drain(..) {
            w.wake();
        }
    }
}

thread_local! {
    static CORE: Cell<*const CoreContext> = const { Cell::new(std::ptr::null()) };
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
            remote: Mutex::new(VecDeque::new()),
            remote_len: AtomicUsize::new(0),
            owned: OwnedTasks::new(1),
            core: Mutex::new(Some(Box::new(Core {
                local: VecDeque::with_capacity(64),
                tick: 0,
                parker,
                trace: trace.lane(LaneKind::BlockOn, 0),
            }))),
            unparker,
            block_on_waker: Waker::from(woken.clone()),
            woken,
            core_waiters: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            counters: WorkerCounters::default(),
            remote_spawns: AtomicU64::new(0),
            blocking: BlockingPool::new(config.blocking_threads, config.thread_stack_size, &trace),
            driver,
            trace,
        })
    }

    pub(crate) fn spawn<F>(me: &Arc<Shared>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        me.count_spawn();
        let (notified, join, raw) = task::new_task(future, me.clone());
        if me.owned.bind(raw) {
            me.schedule_task(notified, Scheduled::Spawn);
        } else {
            task::shutdown_unbound(raw);
            drop(notified);
        }
        join
    }

    /// Runs `f` with the core context if this thread holds this runtime's core.
    fn with_local<R>(&self, f: impl FnOnce(&CoreContext) -> R) -> Option<R> {
        CORE.with(|c| {
            let p = c.get();
            // SAFETY: CORE is non-null only while `run_with_core` on this thread keeps
            // the CoreContext alive on its stack.
            let ctx = unsafe { p.as_ref() }?;
            std::ptr::eq(ctx.shared, self).then(|| f(ctx))
        })
    }

    fn push_remote(&self, task: Notified) {
        {
            let mut q = self.remote.lock().unwrap();
            q.push_back(task);
            self.remote_len.store(q.len(), Release);
        }
        fence(SeqCst);
        if self.shutdown.load(SeqCst) {
            self.drain_remote();
            return;
        }
        self.unparker.unpark();
    }

    fn pop_remote(&self) -> Option<Notified> {
        if self.remote_len.load(Acquire) == 0 {
            return None;
        }
        let mut q = self.remote.lock().unwrap();
        let t = q.pop_front();
        self.remote_len.store(q.len(), Release);
        t
    }

    fn drain_remote(&self) {
        let drained: Vec<_> = {
            let mut q = self.remote.lock().unwrap();
            self.remote_len.store(0, Release);
            q.drain(..).collect()
        };
        drop(drained); // outside the lock: dropping a Notified may free a task
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
        let mut loan = Loan {
            shared: self,
            ctx: CoreContext {
                shared: self,
                core: RefCell::new(Some(core)),
                trace,
            },
            prev: std::ptr::null(),
        };
        // Only `loan.prev` is written while CORE points at `loan.ctx`, and `loan` stays
        // in place until its drop resets CORE first.
        loan.prev = CORE.with(|c| c.replace(&loan.ctx));
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

    /// Shutdown step 1 (Runtime drop): stop accepting work and cancel every task.
    pub(crate) fn shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        self.owned.close_and_shutdown_all();
        self.drain_remote();
        self.shutdown_core();
        // Sockets and timers that outlive their tasks now report the shutdown.
        self.driver.handle().shutdown();
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
            remote_spawns: self.remote_spawns.load(Relaxed),
            live_tasks: self.owned.len(),
            tasks: self.trace.task_stats(),
        }
    }

    /// Counts a spawn: on the core's thread in its own counter, elsewhere in the shared
    /// `remote_spawns` (a locked add, off the hot path).
    fn count_spawn(&self) {
        if self.with_local(|_| ()).is_none() {
            self.remote_spawns.fetch_add(1, Relaxed);
        } else {
            bump(&self.counters.get().spawns, 1);
        }
    }
}

impl Shared {
    /// Queues a spawned (`spawn`) or woken task: locally on the core's thread, else
    /// remotely. The trace records it on the core's lane or in the shared list.
    fn schedule_task(&self, task: Notified, why: Scheduled) {
        let mut task = Some(task);
        let on_core_thread = self
            .with_local(|ctx| {
                ctx.trace.scheduled(task.as_ref().expect("task"), why);
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
                self.trace
                    .record_shared(|| scheduled_event(&task, why == Scheduled::Spawn));
            }
            self.push_remote(task);
        }
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        self.schedule_task(task, Scheduled::Wake);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule_task(task, Scheduled::Yield);
    }

    fn release(&self, task: RawTask) -> bool {
        self.owned.remove(task)
    }
}
