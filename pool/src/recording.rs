//! Tracing the pool: which thread ran which job, on which core, when, and why it slept.
//!
//! Built on `spindle-trace` (re-exported as [`spindle_pool::trace`](crate::trace)), the
//! crate the runtime records into too, so that one [`Recorder`] — one clock, one picture —
//! can hold a runtime's workers and its blocking pool side by side.
//!
//! ## What a pool thread records, on its own [`Lane`]
//! | event | where | meaning |
//! |---|---|---|
//! | `JobStart { job, cpu }` / `JobEnd { job }` | `WorkerThread::execute` | around every job the thread runs — also the jobs it runs while it waits inside a `join`, `scope` or `install` (they nest) |
//! | `Steal { victim, count }` | the worker loop | it took `count` jobs from thread `victim`'s deque |
//! | `Park` / `Unpark` | the idle streak | it blocks on its condvar / was woken |
//! | `Notify { target }` | the sleep protocol's wake paths | it woke thread `target` (from a thread without a lane of this pool: `Recorder::record_shared`) |
//!
//! `cpu` is `sched_getcpu()` at job start (`u32::MAX` if unknown). Taking a batch from the
//! global injector is not a steal from a lane and is not recorded (the stats count it).
//!
//! ## Job ids: a per-thread sequence
//! A job gets its id when it starts, from the thread that runs it: `(index + 1) << 40 |
//! n`, the `n`-th job of pool thread `index`. Unique, and free: a plain `Cell` of the
//! running thread. The alternatives cost more or say less: one counter for the pool is
//! an atomic read-modify-write on a line every thread writes (~160 ns whenever two cores
//! take turns, as much as the job), and the job's heap address is reused as soon as the
//! job is freed, so two jobs would share an id in the picture and in `task_stats`.
//!
//! ## Cost
//! Tracing off (no recorder): one predictable branch per job (`if let Some(trace)` in
//! `execute`), and nothing else on any hot path — no atomic, no clock read; the wake
//! paths, which already take a lock and make a syscall, check one `Option` more. With
//! the cargo feature `trace` (on by default) disabled, the hooks are compiled out.
//! Tracing on: two clock reads, one `sched_getcpu` and two pushes into a thread-owned
//! buffer per job (`spindle-trace`'s `lane.rs`).
//!
//! ## Flushing and saving
//! A lane hands its events to the recorder every `CHUNK` events, when its thread goes to
//! sleep (so a snapshot of an idle pool sees everything), and when the thread exits. A
//! pool that made its own recorder — [`Builder::trace_to`](crate::Builder::trace_to), or
//! the `SPINDLE_TRACE` environment variable — saves the trace once its threads exited, in
//! `shutdown`/`drop`. A recorder handed in with [`Builder::trace`](crate::Builder::trace)
//! belongs to the caller (the runtime, for its blocking pool), who saves it.

use crate::worker::WorkerThread;
use spindle_trace::{EventKind, Lane, LaneKind, Recorder};
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Mutex;

/// Where a pool's own trace goes when the pool shuts down.
#[derive(Clone, Debug)]
pub(crate) enum SaveTo {
    /// `Builder::trace_to(path)`: exactly there.
    Path(PathBuf),
    /// `SPINDLE_TRACE=path`: there for the first save of the process, then numbered
    /// (`spindle_trace::next_save_path`).
    Env(PathBuf),
}

/// The tracing state of one pool (in the registry).
pub(crate) struct PoolTrace {
    recorder: Recorder,
    /// Taken by the one save (`None` afterwards, or from the start for a borrowed
    /// recorder).
    save_to: Mutex<Option<SaveTo>>,
}

impl PoolTrace {
    pub(crate) fn new(recorder: Recorder, save_to: Option<SaveTo>) -> PoolTrace {
        PoolTrace {
            recorder,
            save_to: Mutex::new(save_to),
        }
    }

    /// The lane of pool thread `index` (called on that thread).
    pub(crate) fn thread(&self, index: usize) -> ThreadTrace {
        ThreadTrace {
            lane: self.recorder.lane(LaneKind::PoolThread, index),
            job_base: (index as u64 + 1) << 40,
            jobs: Cell::new(0),
        }
    }

    /// Everything the pool's threads have flushed so far.
    pub(crate) fn snapshot(&self) -> spindle_trace::Trace {
        self.recorder.snapshot()
    }

    /// Records that some thread woke pool thread `target`: on the waker's lane if it is a
    /// thread of this pool, else in the recorder's shared list.
    pub(crate) fn notified(&self, registry: &crate::registry::Registry, target: usize) {
        let event = EventKind::Notify {
            target: target as u32,
        };
        match WorkerThread::current_in(registry) {
            Some(worker) => worker.trace_event(event),
            None => self.recorder.record_shared(event),
        }
    }

    /// Saves the trace to where this pool was asked to, once (later calls do nothing).
    /// Called after the threads exited, so every lane was flushed. A failure is reported
    /// on stderr: this runs in `drop`, which cannot return an error.
    pub(crate) fn save(&self) {
        let Some(save_to) = self
            .save_to
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return;
        };
        let path = match save_to {
            SaveTo::Path(path) => path,
            SaveTo::Env(path) => spindle_trace::next_save_path(path),
        };
        if let Err(e) = self.recorder.snapshot().save(&path) {
            eprintln!(
                "spindle-pool: could not save the trace to {}: {e}",
                path.display()
            );
        }
    }
}

/// One pool thread's tracing state: its lane and its job sequence (owned by the thread).
pub(crate) struct ThreadTrace {
    lane: Lane,
    job_base: u64,
    jobs: Cell<u64>,
}

impl ThreadTrace {
    /// A fresh job id (see the module docs).
    #[inline]
    pub(crate) fn next_job(&self) -> u64 {
        let n = self.jobs.get() + 1;
        self.jobs.set(n);
        self.job_base | n
    }

    /// Records `event` on this thread's lane.
    #[inline]
    pub(crate) fn record(&self, event: EventKind) {
        self.lane.record(event);
    }

    /// The core this thread runs on, as the trace stores it.
    #[inline]
    pub(crate) fn cpu() -> u32 {
        spindle_trace::current_cpu().unwrap_or(u32::MAX)
    }

    /// Hands the buffered events to the recorder (before sleeping, at exit).
    pub(crate) fn flush(&self) {
        self.lane.flush();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::ThreadPool;
    use crate::trace::{EventKind, LaneKind, Recorder, Trace};
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    fn traced_pool(threads: usize) -> (ThreadPool, Recorder) {
        let recorder = Recorder::new();
        let pool = ThreadPool::builder()
            .threads(threads)
            .trace(recorder.clone())
            .build()
            .unwrap();
        (pool, recorder)
    }

    /// Checks that every lane's JobStart/JobEnd nest properly, and returns, per job id,
    /// the lane index it ran on (each id on one lane only, started once).
    fn jobs_by_lane(trace: &Trace) -> HashMap<u64, usize> {
        let mut lane_of = HashMap::new();
        for lane in &trace.lanes {
            assert_eq!(lane.kind, LaneKind::PoolThread);
            let mut open = Vec::new();
            for e in &lane.events {
                match e.kind {
                    EventKind::JobStart { job, .. } => {
                        assert!(lane_of.insert(job, lane.index).is_none(), "job {job} twice");
                        open.push(job);
                    }
                    EventKind::JobEnd { job } => {
                        assert_eq!(open.pop(), Some(job), "unbalanced on lane {}", lane.index)
                    }
                    _ => {}
                }
            }
            assert!(open.is_empty(), "lane {} left {open:?} open", lane.index);
        }
        lane_of
    }

    fn count(trace: &Trace, lane: usize, what: impl Fn(&EventKind) -> bool) -> usize {
        trace.lanes[lane]
            .events
            .iter()
            .filter(|e| what(&e.kind))
            .count()
    }

    #[test]
    fn every_job_is_one_balanced_start_end_pair_on_the_lane_that_ran_it() {
        let n = if cfg!(miri) { 20 } else { 1_000 };
        let (pool, recorder) = traced_pool(2);
        let ran = AtomicUsize::new(0);
        pool.scope(|s| {
            for _ in 0..n {
                s.spawn(|| {
                    ran.fetch_add(1, Ordering::Relaxed);
                });
            }
        });
        assert_eq!(pool.spawn(|| 5).join().unwrap(), 5);
        pool.shutdown();
        assert_eq!(ran.load(Ordering::Relaxed), n);
        let trace = recorder.snapshot();
        assert_eq!(trace.lanes.len(), 2);
        assert_eq!(
            (trace.lanes[0].index, trace.lanes[1].index),
            (0, 1),
            "one lane per pool thread"
        );
        let jobs = jobs_by_lane(&trace);
        assert_eq!(jobs.len(), n + 1, "n scoped jobs and one spawned");
        let stats = pool.stats();
        for w in &stats.workers {
            let starts = count(&trace, w.index, |k| matches!(k, EventKind::JobStart { .. }));
            assert_eq!(starts as u64, w.jobs_run, "lane {} vs its stats", w.index);
            let parks = count(&trace, w.index, |k| *k == EventKind::Park);
            let unparks = count(&trace, w.index, |k| *k == EventKind::Unpark);
            assert_eq!((parks as u64, unparks as u64), (w.parks, w.unparks));
        }
        // The pool made no recorder of its own, so it has nothing to save, but its
        // snapshot is the recorder's.
        assert_eq!(
            pool.trace_snapshot().unwrap().lanes[0].events.len(),
            trace.lanes[0].events.len()
        );
    }

    /// Thread A runs `a`, which spins until `b` ran; `b` waits on A's deque, so only
    /// thread B can run it — by stealing it. The steal shows in the stats and the trace.
    #[test]
    fn a_held_thread_has_its_join_half_stolen_and_the_trace_shows_it() {
        let (pool, recorder) = traced_pool(2);
        let b_ran = AtomicBool::new(false);
        let (a_on, b_on) = pool.install(|| {
            pool.join(
                || {
                    let deadline = Instant::now() + Duration::from_secs(20);
                    while !b_ran.load(Ordering::Acquire) {
                        assert!(Instant::now() < deadline, "b was never stolen");
                        std::hint::spin_loop();
                    }
                    ThreadPool::current_thread_index().unwrap()
                },
                || {
                    b_ran.store(true, Ordering::Release);
                    ThreadPool::current_thread_index().unwrap()
                },
            )
        });
        assert_ne!(a_on, b_on, "b ran on the other thread");
        pool.shutdown();
        let stats = pool.stats();
        assert!(stats.workers[b_on].steals >= 1, "{stats}");
        let trace = recorder.snapshot();
        let jobs = jobs_by_lane(&trace);
        // The installed operation (with `a` inside) ran on A, the stolen `b` on B.
        assert!(jobs.values().any(|&l| l == a_on) && jobs.values().any(|&l| l == b_on));
        let steals_from_a = count(&trace, b_on, |k| {
            *k == EventKind::Steal {
                victim: a_on as u32,
                count: 1,
            }
        });
        assert!(steals_from_a >= 1, "no Steal from {a_on} on lane {b_on}");
        assert_eq!(
            count(&trace, b_on, |k| matches!(k, EventKind::Steal { .. })) as u64,
            stats.workers[b_on].steals
        );
    }

    /// Waking a sleeping thread is recorded as a Notify by whoever woke it: a thread of
    /// the pool on its lane, any other thread in the shared list.
    #[test]
    fn wakes_of_sleeping_threads_are_recorded_as_notify() {
        let (pool, recorder) = traced_pool(2);
        // Let both threads block (bounded wait), then wake one from outside. `parks >
        // unparks` means the thread counted its park under its bed's lock and blocks (or
        // is about to, lock held): a waker will find it blocked.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !pool.stats().workers.iter().all(|w| w.parks > w.unparks) {
            assert!(Instant::now() < deadline, "the idle pool never slept");
            std::thread::yield_now();
        }
        pool.spawn(|| ()).join().unwrap();
        pool.shutdown();
        let trace = recorder.snapshot();
        let notifies = trace
            .shared
            .iter()
            .chain(trace.lanes.iter().flat_map(|l| &l.events))
            .filter(|e| matches!(e.kind, EventKind::Notify { target } if target < 2))
            .count() as u64;
        let unparks: u64 = pool.stats().workers.iter().map(|w| w.unparks).sum();
        assert!(notifies >= 1, "the spawn woke a sleeper");
        assert_eq!(notifies, unparks, "one Notify per wake received");
    }

    /// With `pin_to_cores`, every job of pool thread `i` ran on core `i mod n` of the
    /// `n` CPUs this process may use, as recorded at job start.
    #[test]
    #[cfg_attr(miri, ignore = "sched_setaffinity/sched_getcpu are not emulated")]
    fn pinned_threads_record_the_core_they_are_pinned_to() {
        let cpus = crate::affinity::allowed_cpus().unwrap();
        if cpus.len() < 2 {
            eprintln!("skipped: pinning test needs 2 CPUs, this process may use {cpus:?}");
            return;
        }
        let recorder = Recorder::new();
        let pool = ThreadPool::builder()
            .threads(2)
            .pin_to_cores(true)
            .trace(recorder.clone())
            .build()
            .unwrap();
        // Hold one thread in `a` until the other ran `b`: both threads run a job.
        let b_ran = AtomicBool::new(false);
        pool.install(|| {
            pool.join(
                || {
                    while !b_ran.load(Ordering::Acquire) {
                        std::hint::spin_loop();
                    }
                },
                || b_ran.store(true, Ordering::Release),
            )
        });
        pool.scope(|s| (0..100).for_each(|_| s.spawn(|| ())));
        pool.shutdown();
        let trace = recorder.snapshot();
        for lane in &trace.lanes {
            let recorded: Vec<u32> = lane
                .events
                .iter()
                .filter_map(|e| match e.kind {
                    EventKind::JobStart { cpu, .. } => Some(cpu),
                    _ => None,
                })
                .collect();
            assert!(!recorded.is_empty(), "thread {} ran no job", lane.index);
            let pinned = cpus[lane.index % cpus.len()] as u32;
            assert!(
                recorded.iter().all(|&c| c == pinned),
                "thread {} pinned to {pinned} ran on {recorded:?}",
                lane.index
            );
        }
    }
}
