//! # Threads: spawn, join, and what a thread costs
//!
//! A thread is the operating system's unit of scheduling: its own stack, its own
//! registers, a kernel object the scheduler puts on a core. `std::thread::spawn` asks the
//! kernel for one (a `clone` system call, a fresh stack mapped with `mmap`), `join` waits
//! until it has exited and hands back its result.
//!
//! The program does one piece of CPU work three ways:
//! 1. one OS thread per piece: spawn them all, join them all, add up their results;
//! 2. the same pieces as *jobs* on a spindle-pool `ThreadPool` of a few threads that
//!    were started once and are reused: a job is a boxed closure pushed onto a queue;
//! 3. the cost of each, measured: spawn+join of a thread that does nothing, against
//!    spawn+join of a job that does nothing, repeated and averaged.
//!
//! What it shows: the answers agree; one thread per piece used as many threads as pieces,
//! the pool used at most its fixed number; and a job costs a small fraction of a thread,
//! which is why runtimes and pools keep a few threads and hand them many small pieces of
//! work (and why `spawn_blocking` goes to a pool rather than to a fresh thread).

use std::collections::{BTreeSet, HashSet};
use std::hint::black_box;
use std::io;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use spindle::pool::ThreadPool;
use spindle::trace::{Recorder, Trace};

use super::busy_work::{checksum, split};

/// Sizes.
#[derive(Clone, Debug)]
pub struct Config {
    /// Pieces of work (= OS threads in part 1, jobs in part 2).
    pub pieces: usize,
    /// Numbers summed, in total.
    pub n: u64,
    /// Threads in the pool.
    pub pool_threads: usize,
    /// Empty threads and empty jobs timed in part 3.
    pub cost_rounds: u32,
}

impl Config {
    /// The program's size.
    pub fn demo() -> Config {
        Config {
            pieces: 8,
            n: 40_000_000,
            pool_threads: 2,
            cost_rounds: 2_000,
        }
    }

    /// A size for the tests.
    pub fn small() -> Config {
        Config {
            pieces: 6,
            n: 60_000,
            pool_threads: 2,
            cost_rounds: 50,
        }
    }
}

/// One way of running the pieces.
#[derive(Clone, Debug)]
pub struct Spread {
    /// The wrapping sum of the pieces' results.
    pub checksum: u64,
    /// Distinct threads that ran a piece.
    pub threads: usize,
    /// Distinct cores seen (Linux; empty elsewhere).
    pub cores: BTreeSet<usize>,
    /// Wall time.
    pub elapsed: Duration,
}

/// The program's findings.
#[derive(Clone, Debug)]
pub struct Report {
    /// The sizes used.
    pub cfg: Config,
    /// The checksum computed on this thread alone.
    pub expected: u64,
    /// Part 1: one OS thread per piece.
    pub os_threads: Spread,
    /// Part 2: the pieces as pool jobs.
    pub pool_jobs: Spread,
    /// Part 3: mean spawn+join of an empty thread.
    pub thread_cost: Duration,
    /// Part 3: mean spawn+join of an empty pool job.
    pub job_cost: Duration,
    /// The pool's trace of part 2.
    pub trace: Trace,
}

/// What one piece reports: its sum, where it ran.
type PieceResult = (u64, ThreadId, Option<usize>);

fn piece(range: std::ops::Range<u64>) -> PieceResult {
    let sum = checksum(range);
    (sum, thread::current().id(), spindle::pool::current_cpu())
}

fn spread(results: Vec<PieceResult>, elapsed: Duration) -> Spread {
    let ids: HashSet<ThreadId> = results.iter().map(|r| r.1).collect();
    Spread {
        checksum: results.iter().fold(0u64, |a, r| a.wrapping_add(r.0)),
        threads: ids.len(),
        cores: results.iter().filter_map(|r| r.2).collect(),
        elapsed,
    }
}

/// Runs the three parts.
pub fn run(cfg: &Config) -> io::Result<Report> {
    let pieces = split(cfg.n, cfg.pieces);
    let expected = checksum(0..cfg.n);

    // 1. One OS thread per piece.
    let began = Instant::now();
    let handles: Vec<_> = (pieces.iter().cloned())
        .map(|r| thread::spawn(move || piece(r)))
        .collect();
    let results = (handles.into_iter())
        .map(|h| h.join().expect("a worker thread panicked"))
        .collect();
    let os_threads = spread(results, began.elapsed());

    // 2. The same pieces as jobs on a pool of `pool_threads` threads, traced.
    let recorder = Recorder::new();
    let pool = ThreadPool::builder()
        .threads(cfg.pool_threads)
        .trace(recorder.clone())
        .build()
        .map_err(io::Error::other)?;
    let began = Instant::now();
    let handles: Vec<_> = (pieces.iter().cloned())
        .map(|r| pool.spawn(move || piece(r)))
        .collect();
    let results = (handles.into_iter())
        .map(|h| h.join().map_err(|e| io::Error::other(e.to_string())))
        .collect::<io::Result<_>>()?;
    let pool_jobs = spread(results, began.elapsed());
    pool.shutdown(); // the threads exit and flush their lanes
    let trace = recorder.snapshot();

    // 3. The cost of an empty thread against an empty job (a fresh, untraced pool).
    let rounds = cfg.cost_rounds.max(1);
    let began = Instant::now();
    for i in 0..rounds {
        black_box(thread::spawn(move || black_box(i)).join().unwrap());
    }
    let thread_cost = began.elapsed() / rounds;
    let pool = ThreadPool::new(cfg.pool_threads).map_err(io::Error::other)?;
    let began = Instant::now();
    for i in 0..rounds {
        black_box(pool.spawn(move || black_box(i)).join().unwrap());
    }
    let job_cost = began.elapsed() / rounds;

    Ok(Report {
        cfg: cfg.clone(),
        expected,
        os_threads,
        pool_jobs,
        thread_cost,
        job_cost,
        trace,
    })
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.cfg;
        writeln!(
            f,
            "Checksum of {} numbers cut into {} pieces (expected {:#018x}):",
            c.n, c.pieces, self.expected
        )?;
        for (what, s) in [
            ("one OS thread per piece", &self.os_threads),
            ("jobs on the pool", &self.pool_jobs),
        ] {
            writeln!(
                f,
                "  {what:<24} {:#018x} {} in {:>6.1} ms on {} threads, cores {:?}",
                s.checksum,
                if s.checksum == self.expected {
                    "(same)"
                } else {
                    "(WRONG)"
                },
                s.elapsed.as_secs_f64() * 1e3,
                s.threads,
                s.cores
            )?;
        }
        writeln!(
            f,
            "The pool ran {} pieces on its {} threads, started once and reused.",
            c.pieces, c.pool_threads
        )?;
        let ratio = self.thread_cost.as_secs_f64() / self.job_cost.as_secs_f64().max(1e-12);
        write!(
            f,
            "Cost, averaged over {} rounds: spawn+join an empty thread {:.1} µs, an empty \
             pool job {:.1} µs ({ratio:.0}x cheaper): a thread is a kernel object with its \
             own stack, a job is a closure on a queue.",
            c.cost_rounds,
            self.thread_cost.as_secs_f64() * 1e6,
            self.job_cost.as_secs_f64() * 1e6
        )
    }
}
