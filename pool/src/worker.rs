//! A worker thread and its loop: find work, run it, sleep when there is none.
//!
//! ```text
//! loop {
//!     job = own deque (LIFO pop)            -- newest first: hot in cache, depth-first
//!        or injector (steal a batch, FIFO)  -- work from outside the pool, oldest first
//!        or a random peer's deque (steal)   -- the oldest job of a busy worker
//!     if found: run it (catch_unwind), count it, continue
//!     if the pool shut down and nothing is in flight: exit
//!     search: spin a few rounds (yield), counted as searching, then sleep (sleep.rs)
//!     until someone pushes work
//! }
//! ```
//!
//! This is the scheduler loop crossbeam-deque's documentation builds its deque around
//! (Chase and Lev, "Dynamic Circular Work-Stealing Deque", SPAA 2005; Lê, Pop, Cohen and
//! Zappa Nardelli, "Correct and Efficient Work-Stealing for Weak Memory Models", PPoPP
//! 2013), and the one rayon-core's `WorkerThread::wait_until` runs. The same loop, with
//! another stop condition, is how a worker *waits* for a scope, a `join` or a
//! `JobHandle`: it keeps running jobs of its pool ([`WorkerThread::wait_until`]), so
//! nested parallelism on a fixed pool cannot deadlock for want of threads.
//!
//! Invariants:
//! 1. Only the worker's own thread touches its `crossbeam_deque::Worker` (push/pop); the
//!    others use its `Stealer`. The thread-local `CURRENT` gives jobs running on this
//!    thread access to it, so a job spawned from inside a worker goes to its own deque.
//! 2. Every push is followed by `Sleep::notify_new_job` (the waker half of the sleep
//!    protocol); every sleep runs the full `has_work` check as its final check.
//! 3. A worker is counted as searching exactly while an [`Idle`] streak of its own says
//!    so: from its first failed search until it finds a job, or the wait that the streak
//!    served is over (`Idle` is dropped, also on unwinding).
//! 4. Only the worker's own thread writes its counters (`stats.rs`) and records on its
//!    trace lane (`recording.rs`). A job is counted — and its `JobEnd` recorded — before
//!    its latch count is released (`job.rs`, invariant 4), so whoever waited for it sees
//!    it in `stats()` and in the trace.
//!
//! What the loop observes, and where: a pop from the own deque, a batch from the
//! injector and a steal from a peer are counted where they happen (`find_work`); the
//! thread's busy time is measured per *busy stretch* — the clock is read only when an
//! idle streak begins and ends, not per job (`stats.rs` explains why); a traced thread
//! frames each job with `JobStart { cpu }`/`JobEnd`, records each steal, `Park` just before
//! it blocks (flushing its lane, so an idle pool's trace is complete) and `Unpark` when
//! woken; every wake it sends is recorded as `Notify { target }` by the registry. Tracing
//! off, all of this costs one branch per job (`execute`).

use crate::job::{Job, JobParts, Outcome};
use crate::loom::capacity;
#[cfg(feature = "trace")]
use crate::recording::ThreadTrace;
use crate::registry::Registry;
use crossbeam_deque::{Steal, Worker};
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::time::Instant;

/// Rounds of "search, then `yield_now`" before a worker sleeps. A wake costs ~20 µs here;
/// a round costs ~1 µs, so a short spin catches the next job of a burst without a
/// syscall pair, and an idle pool still sleeps within microseconds (rayon spins 32).
const SPIN_ROUNDS: usize = capacity(32, 1);

thread_local! {
    static CURRENT: RefCell<Option<Rc<WorkerThread>>> = const { RefCell::new(None) };
}

/// The per-thread state of one worker.
pub(crate) struct WorkerThread {
    index: usize,
    local: Worker<Job>,
    registry: Arc<Registry>,
    rng: Cell<u64>,
    waker: Waker,
    /// Start of the current busy stretch (stats: busy time, see `stats.rs`); only
    /// meaningful while no idle streak of this thread is searching.
    busy_since: Cell<Instant>,
    /// This thread's lane and job ids, if the pool traces (`recording.rs`).
    #[cfg(feature = "trace")]
    trace: Option<ThreadTrace>,
}

/// Wakes one specific worker through the sleep protocol's targeted wake.
struct WorkerWaker {
    registry: Arc<Registry>,
    index: usize,
}

impl Wake for WorkerWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if self.registry.sleep.wake_specific(self.index) {
            self.registry.notified(self.index);
        }
    }
}

impl WorkerThread {
    /// The worker running on this thread, if this thread is a pool worker.
    pub(crate) fn current() -> Option<Rc<WorkerThread>> {
        CURRENT.with(|c| c.borrow().clone())
    }

    /// The worker running on this thread, if it belongs to `registry`'s pool.
    pub(crate) fn current_of(registry: &Arc<Registry>) -> Option<Rc<WorkerThread>> {
        Self::current().filter(|w| Arc::ptr_eq(&w.registry, registry))
    }

    /// As [`WorkerThread::current_of`], from a plain reference to the registry.
    #[cfg(feature = "trace")]
    pub(crate) fn current_in(registry: &Registry) -> Option<Rc<WorkerThread>> {
        Self::current().filter(|w| std::ptr::eq(&*w.registry, registry))
    }

    /// Records `event` on this thread's lane, if the pool traces.
    #[cfg(feature = "trace")]
    #[inline]
    pub(crate) fn trace_event(&self, event: spindle_trace::EventKind) {
        if let Some(trace) = &self.trace {
            trace.record(event);
        }
    }

    /// This worker's index in its pool.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// A waker that wakes this worker if it sleeps while waiting.
    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }

    /// Pushes a job on this worker's own deque, and wakes a sleeper if one sleeps and
    /// nobody searches.
    pub(crate) fn push(&self, job: Job) {
        self.local.push(job);
        self.registry.notify_new_job();
    }

    /// Whether offering a new job for stealing can help: there is another worker to
    /// take it, and our deque is empty (a thief would find nothing here) or some worker
    /// sleeps (idle capacity to wake). `join`'s lazy splitting test.
    pub(crate) fn should_offer_work(&self) -> bool {
        self.registry.num_threads() > 1
            && (self.local.is_empty() || self.registry.sleep.has_sleepers())
    }

    /// Pops the newest job of this worker's own deque.
    pub(crate) fn pop(&self) -> Option<Job> {
        let job = self.local.pop();
        if job.is_some() {
            self.counters().local_pop();
        }
        job
    }

    /// Own deque → injector → a random peer.
    pub(crate) fn find_work(&self) -> Option<Job> {
        if let Some(job) = self.pop() {
            return Some(job);
        }
        self.steal_injector().or_else(|| self.steal_peer())
    }

    /// Takes a batch from the injector (crossbeam moves up to half of it, at most 32, into
    /// our deque) and returns its first job. Called only with our deque empty (the pop
    /// before it failed, and only we push), so the batch size is one plus what our deque
    /// holds afterwards — minus any a thief took meanwhile, a harmless undercount.
    fn steal_injector(&self) -> Option<Job> {
        loop {
            match self.registry.injector.steal_batch_and_pop(&self.local) {
                Steal::Success(job) => {
                    self.counters().injector_pops(1 + self.local.len() as u64);
                    return Some(job);
                }
                Steal::Empty => return None,
                Steal::Retry => {}
            }
        }
    }

    fn steal_peer(&self) -> Option<Job> {
        let stealers = &self.registry.stealers;
        let n = stealers.len();
        if n <= 1 {
            return None;
        }
        loop {
            let mut retry = false;
            let start = self.next_random() % n;
            for victim in (start..n).chain(0..start) {
                if victim == self.index {
                    continue;
                }
                match stealers[victim].steal() {
                    Steal::Success(job) => {
                        self.counters().stole(1);
                        #[cfg(feature = "trace")]
                        self.trace_event(spindle_trace::EventKind::Steal {
                            victim: victim as u32,
                            count: 1,
                        });
                        return Some(job);
                    }
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }

    /// xorshift64: a cheap per-worker random victim choice (rayon's `XorShift64Star`
    /// plays the same role).
    fn next_random(&self) -> usize {
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        x as usize
    }

    fn counters(&self) -> &crate::stats::Counters {
        self.registry.counters(self.index)
    }

    /// Leaves the searching state; wakes (and traces) a sleeper if we were the last
    /// searcher (`Sleep::stop_searching`).
    fn stop_searching(&self) {
        if let Some(woken) = self.registry.sleep.stop_searching() {
            self.registry.notified(woken);
        }
    }

    fn has_work(&self) -> bool {
        !self.local.is_empty() || self.registry.has_work()
    }

    /// Runs one job: catch any unwind that escaped it, count it, route an unhandled
    /// panic to the panic handler, release its latch count (a scoped job's waiter may
    /// return from then on: it sees this job counted), and report admitted jobs finished.
    ///
    /// Traced, the job is framed by `JobStart`/`JobEnd` on this thread's lane; the one
    /// branch below is all that tracing costs a job when it is off (`recording.rs`).
    pub(crate) fn execute(&self, job: Job) {
        #[cfg(feature = "trace")]
        if let Some(trace) = &self.trace {
            let id = trace.next_job();
            return self.run_job(
                job,
                || {
                    trace.record(spindle_trace::EventKind::JobStart {
                        job: id,
                        cpu: ThreadTrace::cpu(),
                    })
                },
                || trace.record(spindle_trace::EventKind::JobEnd { job: id }),
            );
        }
        self.run_job(job, || {}, || {});
    }

    /// `execute`'s body, with the tracer's hooks (empty closures when not tracing: two
    /// copies of this function, one without any tracing code).
    #[inline(always)]
    fn run_job(&self, job: Job, on_start: impl FnOnce(), on_end: impl FnOnce()) {
        let JobParts {
            body,
            arrival,
            counted,
            slot,
        } = job.into_parts();
        if slot {
            // The job leaves the queue bound as it starts (`capacity.rs`).
            self.registry.release_slot();
        }
        on_start();
        let outcome =
            catch_unwind(AssertUnwindSafe(|| body.run())).unwrap_or_else(Outcome::Unhandled);
        on_end();
        let counters = self.counters();
        counters.job_run();
        let unhandled = match outcome {
            Outcome::Finished => None,
            Outcome::Panicked => {
                counters.panicked();
                None
            }
            Outcome::Unhandled(payload) => {
                counters.panicked();
                Some(payload)
            }
        };
        drop(arrival);
        if let Some(payload) = unhandled {
            self.registry.handle_panic(payload);
        }
        if counted {
            self.registry.finish();
        }
    }

    /// Runs jobs of this pool until `done()` holds; sleeps when there are none. The caller
    /// registered [`WorkerThread::waker`] with whatever will make `done()` true.
    pub(crate) fn wait_until(&self, done: &dyn Fn() -> bool) {
        let mut idle = Idle::new(self);
        while !done() {
            match self.find_work() {
                Some(job) => {
                    idle.found_work();
                    self.execute(job);
                }
                None => idle.step(done),
            }
        }
    }

    /// The worker's main loop: run jobs until the pool shut down and nothing is left.
    fn main_loop(&self) {
        let registry = &*self.registry;
        let mut idle = Idle::new(self);
        loop {
            // Look for work first: the admission word changes with every admitted job,
            // so reading it only when idle keeps its cache line out of the hot path.
            if let Some(job) = self.find_work() {
                idle.found_work();
                self.execute(job);
                continue;
            }
            if registry.can_exit() {
                return;
            }
            idle.step(&|| registry.can_exit());
        }
    }
}

/// One streak of idleness of a worker: how many spin rounds it has done, and whether it
/// is counted as *searching* in the sleep state (so that pushers need not wake anybody
/// while it looks). Leaving the streak — by finding work, or by dropping the `Idle`
/// when the wait it served is over — takes the worker out of the count.
struct Idle<'a> {
    worker: &'a WorkerThread,
    rounds: usize,
    searching: bool,
}

impl<'a> Idle<'a> {
    fn new(worker: &'a WorkerThread) -> Idle<'a> {
        Idle {
            worker,
            rounds: 0,
            searching: false,
        }
    }

    /// The worker found a job: it is busy again.
    fn found_work(&mut self) {
        self.rounds = 0;
        if self.searching {
            self.searching = false;
            self.worker.busy_since.set(Instant::now());
            self.worker.stop_searching();
        }
    }

    /// One idle step: spin (yield) for the first rounds, then sleep until woken. `stop` is
    /// part of the sleep's final check, so a latch set or a shutdown wakes the sleeper.
    fn step(&mut self, stop: &dyn Fn() -> bool) {
        let worker = self.worker;
        let sleep = &worker.registry.sleep;
        if !self.searching {
            // busy → idle: credit the busy stretch that ends here (stats.rs).
            self.searching = true;
            worker.counters().busy(worker.busy_since.get().elapsed());
            sleep.start_searching();
        }
        if self.rounds < SPIN_ROUNDS {
            self.rounds += 1;
            std::thread::yield_now();
            return;
        }
        self.rounds = 0;
        let woken = sleep.sleep(
            worker.index,
            || stop() || worker.has_work(),
            || {
                worker.counters().parked();
                // Under our bed's lock, just before blocking: the lane is flushed so that
                // a snapshot of an idle pool sees everything (the lane's own mutex is
                // taken after the bed's, never the other way round).
                #[cfg(feature = "trace")]
                if let Some(trace) = &worker.trace {
                    trace.record(spindle_trace::EventKind::Park);
                    trace.flush();
                }
            },
        );
        if woken {
            worker.counters().unparked();
            #[cfg(feature = "trace")]
            worker.trace_event(spindle_trace::EventKind::Unpark);
        }
    }
}

impl Drop for Idle<'_> {
    fn drop(&mut self) {
        if self.searching {
            // The wait this streak served is over: back to the job that waited (busy).
            self.worker.busy_since.set(Instant::now());
            self.worker.stop_searching();
        }
    }
}

/// The body of worker thread `index`: install the thread-local, run the loop, clear it.
pub(crate) fn run(index: usize, local: Worker<Job>, registry: Arc<Registry>) {
    let waker = Waker::from(Arc::new(WorkerWaker {
        registry: registry.clone(),
        index,
    }));
    #[cfg(feature = "trace")]
    let trace = registry.trace().map(|t| t.thread(index));
    let worker = Rc::new(WorkerThread {
        index,
        local,
        registry,
        rng: Cell::new(0x9E37_79B9_7F4A_7C15 ^ ((index as u64 + 1) << 32 | 1)),
        waker,
        busy_since: Cell::new(Instant::now()),
        #[cfg(feature = "trace")]
        trace,
    });
    CURRENT.with(|c| *c.borrow_mut() = Some(worker.clone()));
    worker.main_loop();
    // The last stretch: from the last job found to the exit.
    worker.counters().busy(worker.busy_since.get().elapsed());
    #[cfg(feature = "trace")]
    if let Some(trace) = &worker.trace {
        trace.flush();
    }
    CURRENT.with(|c| c.borrow_mut().take());
}
