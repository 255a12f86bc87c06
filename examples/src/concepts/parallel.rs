//! # Concurrency is not parallelism
//!
//! *Concurrency* is structure: several tasks in progress at once, taking turns.
//! *Parallelism* is execution: several things happening at the same instant, on several
//! cores. An event loop gives the first without the second (Rob Pike's talk of that title,
//! 2012, makes the same distinction).
//!
//! The program runs one CPU-bound job — a checksum over `n` numbers cut into `pieces`
//! pieces — three ways, and times each:
//! 1. a **current-thread** runtime: `pieces` tasks, each yielding every slice, so all are
//!    in progress at once (concurrent) — on one thread, so it takes as long as doing them
//!    one after the other;
//! 2. a **multi-thread** runtime with `workers` workers: the same tasks, spread over the
//!    workers by work stealing (`runtime/src/scheduler/multi_thread/`): parallel;
//! 3. the **pool** (spindle-pool) with `workers` threads: one job per piece with
//!    `ThreadPool::map`, no async at all: parallel, and the natural home of CPU work.
//!
//! All three must compute the same checksum, the first on a single thread; the timeline
//! draws the three runs on one time axis, each from its own start: one long lane, then
//! two lanes half as long, twice.

use std::collections::HashSet;
use std::io;
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use spindle::pool::ThreadPool;
use spindle::runtime::Builder;
use spindle::task;
use spindle::trace::{EventKind, LaneKind, Recorder, Trace};

use super::busy_work::{checksum, split};
use super::pictures;

/// Sizes.
#[derive(Clone, Debug)]
pub struct Config {
    /// Numbers summed.
    pub n: u64,
    /// Pieces (tasks, or jobs).
    pub pieces: usize,
    /// Slices per piece (a task yields after each).
    pub slices: usize,
    /// Workers of the multi-thread runtime, threads of the pool.
    pub workers: usize,
}

impl Config {
    /// The program's size.
    pub fn demo() -> Config {
        Config {
            n: 60_000_000,
            pieces: 8,
            slices: 6,
            workers: 2,
        }
    }

    /// A size for the tests.
    pub fn small() -> Config {
        Config {
            n: 120_000,
            pieces: 6,
            slices: 3,
            workers: 2,
        }
    }
}

/// One of the three runs.
#[derive(Clone, Debug)]
pub struct Way {
    /// Which.
    pub what: &'static str,
    /// The checksum it computed.
    pub checksum: u64,
    /// Distinct threads that computed slices.
    pub threads: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// The program's findings.
#[derive(Clone, Debug)]
pub struct Report {
    /// The sizes used.
    pub cfg: Config,
    /// The checksum, computed directly.
    pub expected: u64,
    /// Current-thread runtime, multi-thread runtime, pool.
    pub ways: Vec<Way>,
    /// The three traces on one time axis.
    pub trace: Trace,
}

/// Threads seen computing, shared by the tasks of one run.
type Seen = Arc<Mutex<HashSet<ThreadId>>>;

/// A piece as a task: its slices, with a `yield_now` after each.
async fn piece_task(range: Range<u64>, slices: usize, seen: Seen) -> u64 {
    let mut sum = 0u64;
    let len = range.end - range.start;
    for slice in split(len, slices) {
        seen.lock().unwrap().insert(thread::current().id());
        sum = sum.wrapping_add(checksum(range.start + slice.start..range.start + slice.end));
        task::yield_now().await; // a turn for the others: concurrency
    }
    sum
}

/// Runs the pieces as tasks on `rt`, named "piece i · `flavor`"; returns (checksum,
/// threads, time).
fn on_runtime(
    rt: &spindle::Runtime,
    flavor: &str,
    cfg: &Config,
) -> io::Result<(u64, usize, Duration)> {
    let seen = Seen::default();
    let began = Instant::now();
    let sum = rt.block_on(async {
        let mut handles = Vec::new();
        for (i, range) in split(cfg.n, cfg.pieces).into_iter().enumerate() {
            let fut = piece_task(range, cfg.slices, seen.clone());
            let name = format!("piece {i} · {flavor}");
            handles.push(task::Builder::new().name(&name).spawn(fut)?);
        }
        let mut sum = 0u64;
        for h in handles {
            sum = sum.wrapping_add(h.await.map_err(io::Error::other)?);
        }
        io::Result::Ok(sum)
    })?;
    let elapsed = began.elapsed();
    let threads = seen.lock().unwrap().len();
    Ok((sum, threads, elapsed))
}

/// Runs the three ways.
pub fn run(cfg: &Config) -> io::Result<Report> {
    let expected = checksum(0..cfg.n);
    let mut ways = Vec::new();

    let rt = Builder::new_current_thread().trace(true).build()?;
    let (sum, threads, elapsed) = on_runtime(&rt, "current", cfg)?;
    ways.push(Way {
        what: "current-thread runtime",
        checksum: sum,
        threads,
        elapsed,
    });
    let current = pictures::finish(rt);

    let rt = Builder::new_multi_thread()
        .worker_threads(cfg.workers)
        .trace(true)
        .build()?;
    let (sum, threads, elapsed) = on_runtime(&rt, "multi", cfg)?;
    ways.push(Way {
        what: "multi-thread runtime",
        checksum: sum,
        threads,
        elapsed,
    });
    let multi = pictures::finish(rt);

    let recorder = Recorder::new();
    let pool = ThreadPool::builder()
        .threads(cfg.workers)
        .trace(recorder.clone())
        .build()
        .map_err(io::Error::other)?;
    let seen = Seen::default();
    let pieces = split(cfg.n, cfg.pieces);
    let began = Instant::now();
    let sums = pool.map(&pieces, |r| {
        seen.lock().unwrap().insert(thread::current().id());
        checksum(r.clone())
    });
    let elapsed = began.elapsed();
    pool.shutdown();
    ways.push(Way {
        what: "pool (no async)",
        checksum: sums.into_iter().fold(0u64, u64::wrapping_add),
        threads: seen.lock().unwrap().len(),
        elapsed,
    });
    let trace = side_by_side(&[
        (&current, LaneKind::BlockOn),
        (&multi, LaneKind::Worker),
        (&recorder.snapshot(), LaneKind::PoolThread),
    ]);
    Ok(Report {
        cfg: cfg.clone(),
        expected,
        ways,
        trace,
    })
}

/// One trace holding, from each `(trace, kind)`, the lanes of that kind, with times
/// shifted so that each part starts at 0 at its first poll or job: three runs made one
/// after the other, drawn on one time axis. Events before that start are dropped (the
/// exporters drop an end whose start is missing).
pub fn side_by_side(parts: &[(&Trace, LaneKind)]) -> Trace {
    let mut out = Trace::default();
    for (trace, kind) in parts {
        let lanes: Vec<_> = trace.lanes.iter().filter(|l| l.kind == *kind).collect();
        let t0 = (lanes.iter().flat_map(|l| &l.events))
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::PollStart { .. } | EventKind::JobStart { .. }
                )
            })
            .map(|e| e.t_ns)
            .min()
            .unwrap_or(0);
        for lane in lanes {
            let mut lane = lane.clone();
            lane.events.retain(|e| e.t_ns >= t0);
            lane.events.iter_mut().for_each(|e| e.t_ns -= t0);
            out.lanes.push(lane);
        }
        out.task_names.extend(trace.task_names.clone());
    }
    out
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.cfg;
        writeln!(
            f,
            "Checksum of {} numbers in {} pieces (expected {:#018x}), three ways:",
            c.n, c.pieces, self.expected
        )?;
        let base = self.ways[0].elapsed.as_secs_f64();
        for w in &self.ways {
            writeln!(
                f,
                "  {:<24} {:>7.1} ms on {} thread(s), {:.2}x the current-thread time, {}",
                w.what,
                w.elapsed.as_secs_f64() * 1e3,
                w.threads,
                w.elapsed.as_secs_f64() / base,
                if w.checksum == self.expected {
                    "same checksum"
                } else {
                    "WRONG checksum"
                }
            )?;
        }
        write!(
            f,
            "On one thread the {} tasks were all in progress at once (concurrent) but took turns; \
             with {} workers or pool threads they ran at the same time (parallel).",
            c.pieces, c.workers
        )
    }
}
