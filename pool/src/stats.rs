//! Counters: what each pool thread did, and a snapshot to print.
//!
//! Each thread owns one [`Counters`] block on its own cache line (`CachePadded`), and is
//! its only writer; so a counter update is a plain load + store of a line that never
//! leaves the thread's cache (no `lock`-prefixed instruction, no line bouncing between
//! cores). [`ThreadPool::stats`](crate::ThreadPool::stats) reads them all with Relaxed
//! loads: a snapshot of monotonic counters, each exact, not a consistent cut across them.
//!
//! ## What is counted, and where
//! | counter | bumped by | when |
//! |---|---|---|
//! | `jobs_run` | `WorkerThread::execute` | after every job, on the thread that ran it |
//! | `local_pops` | the worker loop, `join` | a job popped from the thread's own deque |
//! | `injector_pops` | the worker loop | jobs taken from the injector, a batch counted job by job |
//! | `steals`, `stolen` | the worker loop | a successful steal from a peer's deque, and its jobs |
//! | `parks`, `unparks` | the idle streak (`worker.rs`) | the thread blocks / is woken |
//! | `busy` | the idle streak | a busy stretch ends (see below) |
//! | `panics` | `WorkerThread::execute` | a job's closure panicked |
//!
//! A job that came from the injector in a batch is counted in `injector_pops` when it is
//! taken, and in `local_pops` again when it is later popped from the own deque (the
//! runtime's table counts the same way). The pool steals one job at a time from a peer
//! (the oldest, the biggest piece of a divide-and-conquer tree, as rayon does), so
//! `stolen == steals` today; the column is there because a batch policy would differ.
//!
//! ## Busy time, measured cheaply
//! Timing every job would cost two clock reads (~25 ns each here) per job — as much as an
//! empty job itself. Instead a thread reads the clock only when it *changes state*: when
//! its first search for work fails (busy → idle) and when it finds work again or the wait
//! it idled in is over (idle → busy). A burst of a thousand jobs thus costs two clock reads,
//! and the reads on the idle side sit next to a `yield_now` or a futex anyway. `busy` is the
//! sum of the busy stretches: time spent running jobs *and* taking them from the queues in
//! between, which is what a thread that is "not idle" does. A stretch is credited when it
//! ends, so a snapshot taken while a thread runs a long job misses that stretch so far.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One thread's counters (single writer: that thread).
#[derive(Default)]
pub(crate) struct Counters {
    jobs_run: AtomicU64,
    busy_ns: AtomicU64,
    parks: AtomicU64,
    unparks: AtomicU64,
    steals: AtomicU64,
    stolen: AtomicU64,
    local_pops: AtomicU64,
    injector_pops: AtomicU64,
    panics: AtomicU64,
}

fn add(c: &AtomicU64, n: u64) {
    // Single writer: load + store, no read-modify-write needed.
    c.store(c.load(Ordering::Relaxed).wrapping_add(n), Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn job_run(&self) {
        add(&self.jobs_run, 1);
    }
    pub(crate) fn busy(&self, stretch: Duration) {
        add(
            &self.busy_ns,
            stretch.as_nanos().min(u64::MAX as u128) as u64,
        );
    }
    pub(crate) fn parked(&self) {
        add(&self.parks, 1);
    }
    pub(crate) fn unparked(&self) {
        add(&self.unparks, 1);
    }
    pub(crate) fn stole(&self, jobs: u64) {
        add(&self.steals, 1);
        add(&self.stolen, jobs);
    }
    pub(crate) fn local_pop(&self) {
        add(&self.local_pops, 1);
    }
    pub(crate) fn injector_pops(&self, jobs: u64) {
        add(&self.injector_pops, jobs);
    }
    pub(crate) fn panicked(&self) {
        add(&self.panics, 1);
    }

    pub(crate) fn snapshot(&self, index: usize) -> ThreadStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ThreadStats {
            index,
            jobs_run: get(&self.jobs_run),
            busy: Duration::from_nanos(get(&self.busy_ns)),
            parks: get(&self.parks),
            unparks: get(&self.unparks),
            steals: get(&self.steals),
            stolen: get(&self.stolen),
            local_pops: get(&self.local_pops),
            injector_pops: get(&self.injector_pops),
            panics: get(&self.panics),
        }
    }
}

/// What one pool thread has done since the pool started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadStats {
    /// The thread's index (0-based).
    pub index: usize,
    /// Jobs this thread ran (of every kind: execute, spawn, scope, install, stolen join
    /// halves, and jobs it ran while waiting inside a job).
    pub jobs_run: u64,
    /// Time the thread was not idle (running jobs and taking them from the queues),
    /// credited when each busy stretch ends (see the module docs).
    pub busy: Duration,
    /// Times this thread blocked (went to sleep) because it found nothing to do.
    pub parks: u64,
    /// Times this thread was woken from such a sleep (one less than `parks` while it
    /// sleeps).
    pub unparks: u64,
    /// Successful steals from another thread's deque.
    pub steals: u64,
    /// Jobs those steals took.
    pub stolen: u64,
    /// Jobs popped from this thread's own deque.
    pub local_pops: u64,
    /// Jobs taken from the global injector (a batch counts each of its jobs).
    pub injector_pops: u64,
    /// Jobs that panicked on this thread.
    pub panics: u64,
}

/// A snapshot of a pool's counters, from [`ThreadPool::stats`](crate::ThreadPool::stats).
///
/// `Display` prints one row per thread and a total row:
/// ```text
/// thread     jobs       busy  busy%  parks unparks  steals  stolen     local  injector  panics
///      0     5012    12.4 ms   41.3      3       3      12      12      4990        22       0
///      1     4988    11.9 ms   39.6      2       2      17      17      4961        10       1
///  total    10000    24.3 ms   40.5      5       5      29      29      9951        32       1
/// uptime 30.0 ms, queued 0, sleeping now 2
/// ```
/// `busy%` is `busy` over the pool's uptime (of all threads together, for the total).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// One entry per thread, in index order.
    pub workers: Vec<ThreadStats>,
    /// Jobs waiting in queues (global injector and threads' deques) when the snapshot
    /// was taken.
    pub queued: usize,
    /// Threads asleep (or just about to block) when the snapshot was taken.
    pub sleeping: usize,
    /// Time since the pool was built.
    pub uptime: Duration,
    /// The queue bound (`Builder::queue_capacity`), `None` when unbounded.
    pub queue_capacity: Option<usize>,
    /// How many `try_execute`/`try_spawn` calls found the queue full.
    pub rejected: u64,
    /// Total time callers of `execute`/`spawn` spent blocked waiting for room (summed
    /// over callers; `spawn_async` futures wait without blocking and are not counted).
    pub blocked: Duration,
}

impl PoolStats {
    /// The sum over all threads (`index` is the number of threads).
    pub fn total(&self) -> ThreadStats {
        self.workers.iter().fold(
            ThreadStats {
                index: self.workers.len(),
                ..ThreadStats::default()
            },
            |a, w| ThreadStats {
                index: a.index,
                jobs_run: a.jobs_run + w.jobs_run,
                busy: a.busy + w.busy,
                parks: a.parks + w.parks,
                unparks: a.unparks + w.unparks,
                steals: a.steals + w.steals,
                stolen: a.stolen + w.stolen,
                local_pops: a.local_pops + w.local_pops,
                injector_pops: a.injector_pops + w.injector_pops,
                panics: a.panics + w.panics,
            },
        )
    }
    /// Sum of jobs run over all threads.
    pub fn jobs_run(&self) -> u64 {
        self.total().jobs_run
    }
    /// Sum of steals over all threads.
    pub fn steals(&self) -> u64 {
        self.total().steals
    }
    /// Sum of parks (sleeps) over all threads.
    pub fn parks(&self) -> u64 {
        self.total().parks
    }
    /// Sum of panics over all threads.
    pub fn panics(&self) -> u64 {
        self.total().panics
    }
}

/// `part` as a percentage of `whole` (0 when `whole` is zero).
fn percent(part: Duration, whole: Duration) -> f64 {
    if whole.is_zero() {
        0.0
    } else {
        100.0 * part.as_secs_f64() / whole.as_secs_f64()
    }
}

/// A duration in the unit that keeps it readable in a 10-wide column.
struct Human(Duration);

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0.as_nanos();
        let text = if ns < 10_000 {
            format!("{ns} ns")
        } else if ns < 10_000_000 {
            format!("{:.1} µs", ns as f64 / 1e3)
        } else if ns < 10_000_000_000 {
            format!("{:.1} ms", ns as f64 / 1e6)
        } else {
            format!("{:.2} s", ns as f64 / 1e9)
        };
        f.pad(&text)
    }
}

impl fmt::Display for PoolStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>6} {:>8} {:>10} {:>6} {:>6} {:>7} {:>7} {:>7} {:>9} {:>9} {:>7}",
            "thread",
            "jobs",
            "busy",
            "busy%",
            "parks",
            "unparks",
            "steals",
            "stolen",
            "local",
            "injector",
            "panics"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, w: &ThreadStats, uptime: Duration| {
            writeln!(
                f,
                "{:>6} {:>8} {:>10} {:>6.1} {:>6} {:>7} {:>7} {:>7} {:>9} {:>9} {:>7}",
                name,
                w.jobs_run,
                Human(w.busy),
                percent(w.busy, uptime),
                w.parks,
                w.unparks,
                w.steals,
                w.stolen,
                w.local_pops,
                w.injector_pops,
                w.panics
            )
        };
        for w in &self.workers {
            row(f, &w.index.to_string(), w, self.uptime)?;
        }
        let all_threads = self.uptime * self.workers.len() as u32;
        row(f, "total", &self.total(), all_threads)?;
        write!(
            f,
            "uptime {}, queued {}, sleeping now {}",
            Human(self.uptime),
            self.queued,
            self.sleeping
        )?;
        if let Some(limit) = self.queue_capacity {
            write!(
                f,
                "\nqueue capacity {limit}, full on try_* {} times, callers blocked {}",
                self.rejected,
                Human(self.blocked)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every job is counted once, on the thread that ran it, and came from a queue the
    /// counters know; after shutdown every park was matched by an unpark.
    #[test]
    #[cfg(not(loom))]
    fn counts_match_the_jobs_a_pool_ran() {
        use std::sync::atomic::AtomicUsize;
        let n = if cfg!(miri) { 40 } else { 2_000 };
        let pool = crate::ThreadPool::new(2).unwrap();
        let ran = AtomicUsize::new(0);
        pool.scope(|s| {
            for _ in 0..n {
                s.spawn(|| {
                    ran.fetch_add(1, Ordering::Relaxed);
                });
            }
        });
        // Jobs spawned by a job go to the worker's own deque.
        pool.install(|| {
            pool.scope(|s| {
                for _ in 0..10 {
                    s.spawn(|| {
                        ran.fetch_add(1, Ordering::Relaxed);
                    });
                }
            })
        });
        pool.shutdown();
        let stats = pool.stats();
        assert_eq!(ran.load(Ordering::Relaxed), n + 10);
        // n + 10 scoped jobs + the installed operation.
        assert_eq!(stats.jobs_run(), n as u64 + 11, "{stats}");
        let t = stats.total();
        // n + 1 jobs went through the injector; a thief may take a batched job from a
        // deque before the batch was counted, and then counts it as stolen.
        assert!(t.injector_pops + t.stolen > n as u64, "{stats}");
        assert!(
            t.local_pops + t.injector_pops + t.stolen >= t.jobs_run,
            "{stats}"
        );
        assert!(t.busy > Duration::ZERO, "{stats}");
        for w in &stats.workers {
            assert_eq!(
                w.parks, w.unparks,
                "thread {} is not asleep: {stats}",
                w.index
            );
            assert!(w.busy <= stats.uptime, "{stats}");
        }
        assert_eq!(stats.to_string().lines().count(), 2 + 3, "{stats}");
    }

    #[test]
    fn display_has_a_row_per_thread_and_a_total_in_aligned_columns() {
        let stats = PoolStats {
            workers: vec![
                ThreadStats {
                    index: 0,
                    jobs_run: 7,
                    busy: Duration::from_micros(1500),
                    parks: 2,
                    unparks: 2,
                    steals: 1,
                    stolen: 1,
                    local_pops: 5,
                    injector_pops: 1,
                    panics: 0,
                },
                ThreadStats {
                    index: 1,
                    jobs_run: 3,
                    busy: Duration::from_millis(25),
                    parks: 1,
                    unparks: 0,
                    steals: 0,
                    stolen: 0,
                    local_pops: 0,
                    injector_pops: 3,
                    panics: 1,
                },
            ],
            queued: 4,
            sleeping: 1,
            uptime: Duration::from_millis(50),
            ..PoolStats::default()
        };
        let text = stats.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        // Aligned: header and every row have the same width.
        assert!(
            lines[..4]
                .iter()
                .all(|l| l.chars().count() == lines[0].chars().count())
        );
        let cells = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            cells(lines[1]),
            [
                "0", "7", "1500.0", "µs", "3.0", "2", "2", "1", "1", "5", "1", "0"
            ]
        );
        assert_eq!(
            cells(lines[3]),
            [
                "total", "10", "26.5", "ms", "26.5", "3", "2", "1", "1", "5", "4", "1"
            ]
        );
        assert_eq!(lines[4], "uptime 50.0 ms, queued 4, sleeping now 1");
        assert_eq!(stats.jobs_run(), 10);
        assert_eq!(stats.total().index, 2);
    }
}
