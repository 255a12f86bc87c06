//! Counters: what each worker did, and a snapshot to print.
//!
//! Each worker owns one [`Counters`] block on its own cache line (`CachePadded`), and is
//! its only writer; so a counter update is a plain load + store of a line that never
//! leaves the worker's cache (no `lock`-prefixed instruction, no line bouncing between
//! cores). [`ThreadPool::stats`](crate::ThreadPool::stats) reads them all with Relaxed
//! loads: a snapshot of monotonic counters, each exact, not a consistent cut across them.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// One worker's counters (single writer: that worker).
#[derive(Default)]
pub(crate) struct Counters {
    jobs_run: AtomicU64,
    steals: AtomicU64,
    sleeps: AtomicU64,
    panics: AtomicU64,
}

fn bump(c: &AtomicU64) {
    // Single writer: load + store, no read-modify-write needed.
    c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn job_run(&self) {
        bump(&self.jobs_run);
    }
    pub(crate) fn steal(&self) {
        bump(&self.steals);
    }
    pub(crate) fn slept(&self) {
        bump(&self.sleeps);
    }
    pub(crate) fn panicked(&self) {
        bump(&self.panics);
    }

    pub(crate) fn snapshot(&self, index: usize) -> WorkerStats {
        WorkerStats {
            index,
            jobs_run: self.jobs_run.load(Ordering::Relaxed),
            steals: self.steals.load(Ordering::Relaxed),
            sleeps: self.sleeps.load(Ordering::Relaxed),
            panics: self.panics.load(Ordering::Relaxed),
        }
    }
}

/// What one worker has done since the pool started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// The worker's index (0-based).
    pub index: usize,
    /// Jobs this worker ran (of every kind: execute, spawn, scope, stolen join halves).
    pub jobs_run: u64,
    /// Successful steals: a batch from the global injector or a job from another worker.
    pub steals: u64,
    /// Times this worker blocked because it found nothing to do.
    pub sleeps: u64,
    /// Jobs that panicked on this worker.
    pub panics: u64,
}

/// A snapshot of a pool's counters, from [`ThreadPool::stats`](crate::ThreadPool::stats).
///
/// `Display` prints a table:
/// ```text
/// worker   jobs run     steals     sleeps     panics
///      0       5012         12          3          0
///      1       4988         17          2          1
///  total      10000         29          5          1
/// queued: 0, sleeping now: 2
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// One entry per worker, in index order.
    pub workers: Vec<WorkerStats>,
    /// Jobs waiting in queues (global injector and workers' deques) when the snapshot
    /// was taken.
    pub queued: usize,
    /// Workers asleep (or just about to block) when the snapshot was taken.
    pub sleeping: usize,
}

impl PoolStats {
    /// Sum of jobs run over all workers.
    pub fn jobs_run(&self) -> u64 {
        self.workers.iter().map(|w| w.jobs_run).sum()
    }
    /// Sum of steals over all workers.
    pub fn steals(&self) -> u64 {
        self.workers.iter().map(|w| w.steals).sum()
    }
    /// Sum of sleeps over all workers.
    pub fn sleeps(&self) -> u64 {
        self.workers.iter().map(|w| w.sleeps).sum()
    }
    /// Sum of panics over all workers.
    pub fn panics(&self) -> u64 {
        self.workers.iter().map(|w| w.panics).sum()
    }
}

impl fmt::Display for PoolStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>6} {:>10} {:>10} {:>10} {:>10}",
            "worker", "jobs run", "steals", "sleeps", "panics"
        )?;
        for w in &self.workers {
            writeln!(
                f,
                "{:>6} {:>10} {:>10} {:>10} {:>10}",
                w.index, w.jobs_run, w.steals, w.sleeps, w.panics
            )?;
        }
        writeln!(
            f,
            "{:>6} {:>10} {:>10} {:>10} {:>10}",
            "total",
            self.jobs_run(),
            self.steals(),
            self.sleeps(),
            self.panics()
        )?;
        write!(
            f,
            "queued: {}, sleeping now: {}",
            self.queued, self.sleeping
        )
    }
}
