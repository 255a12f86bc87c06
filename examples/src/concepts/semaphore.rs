//! # A semaphore: at most K at a time
//!
//! A semaphore is a counter of permits. `acquire` takes one, waiting while there are
//! none; dropping the permit gives it back and lets the first waiter in. With K permits,
//! at most K holders are ever inside the section it guards — a mutex is the case K = 1.
//! spindle's `Semaphore` keeps the count in one atomic word and its waiters in a FIFO
//! wait list (`runtime/src/sync/batch_semaphore.rs`), so a waiting task costs no thread.
//!
//! The program: `tasks` tasks on a two-worker runtime each acquire a permit of a
//! semaphore with `permits` permits, then do their "critical part" on the blocking pool
//! (`spawn_blocking`, a pool of `pool_threads` threads, more than `permits`), and give the
//! permit back. Inside the critical part each job bumps an `inside` counter and records its
//! high-water mark with `fetch_max`, then leaves. However many pool threads are free, the
//! high-water mark never passes K; the timeline shows at most K pool lanes busy at once.
//!
//! Invariant checked by the tests: `max_inside <= permits` and every task ran.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use spindle::runtime::Builder;
use spindle::sync::Semaphore;
use spindle::task;
use spindle::trace::Trace;

use super::pictures;

/// Sizes.
#[derive(Clone, Debug)]
pub struct Config {
    /// Tasks that want in.
    pub tasks: usize,
    /// K: permits of the semaphore.
    pub permits: usize,
    /// Threads of the blocking pool (more than K, so the pool is not what limits them).
    pub pool_threads: usize,
    /// How long each critical part works (a busy loop).
    pub work: Duration,
}

impl Config {
    /// The program's size.
    pub fn demo() -> Config {
        Config {
            tasks: 12,
            permits: 3,
            pool_threads: 6,
            work: Duration::from_millis(2),
        }
    }

    /// A size for the tests.
    pub fn small() -> Config {
        Config {
            tasks: 16,
            permits: 3,
            pool_threads: 6,
            work: Duration::from_micros(100),
        }
    }
}

/// The program's findings.
#[derive(Clone, Debug)]
pub struct Report {
    /// The sizes used.
    pub cfg: Config,
    /// The most tasks ever inside the critical part at once.
    pub max_inside: usize,
    /// Critical parts completed.
    pub completed: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// The runtime's trace (workers and blocking pool).
    pub trace: Trace,
}

/// Counts who is inside, and the most that ever were.
#[derive(Default, Debug)]
struct Occupancy {
    inside: AtomicUsize,
    max_inside: AtomicUsize,
    completed: AtomicUsize,
}

impl Occupancy {
    /// The critical part: enter, work for `work`, leave.
    fn critical(&self, work: Duration) {
        let now_inside = self.inside.fetch_add(1, SeqCst) + 1;
        self.max_inside.fetch_max(now_inside, SeqCst);
        let began = Instant::now();
        while began.elapsed() < work {
            std::hint::spin_loop();
        }
        self.inside.fetch_sub(1, SeqCst);
        self.completed.fetch_add(1, SeqCst);
    }
}

/// Runs the program.
pub fn run(cfg: &Config) -> io::Result<Report> {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .blocking_threads(cfg.pool_threads)
        .trace(true)
        .build()?;
    let occupancy = Arc::new(Occupancy::default());
    let semaphore = Arc::new(Semaphore::new(cfg.permits));
    let began = Instant::now();
    rt.block_on(async {
        let mut handles = Vec::new();
        for i in 0..cfg.tasks {
            let (occupancy, semaphore, work) = (occupancy.clone(), semaphore.clone(), cfg.work);
            let name = format!("task {i}");
            handles.push(task::Builder::new().name(&name).spawn(async move {
                let permit = semaphore.acquire_owned().await.map_err(io::Error::other)?;
                task::Builder::new()
                    .name(&format!("critical {i}"))
                    .spawn_blocking(move || occupancy.critical(work))?
                    .await
                    .map_err(io::Error::other)?;
                drop(permit); // the next waiter may enter
                io::Result::Ok(())
            })?);
        }
        for h in handles {
            h.await.map_err(io::Error::other)??;
        }
        io::Result::Ok(())
    })?;
    let elapsed = began.elapsed();
    Ok(Report {
        cfg: cfg.clone(),
        max_inside: occupancy.max_inside.load(SeqCst),
        completed: occupancy.completed.load(SeqCst),
        elapsed,
        trace: pictures::finish(rt),
    })
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.cfg;
        writeln!(
            f,
            "{} tasks share a semaphore of {} permits; each does {:.1} ms of work on a pool of {} \
             threads.",
            c.tasks,
            c.permits,
            c.work.as_secs_f64() * 1e3,
            c.pool_threads
        )?;
        writeln!(
            f,
            "  completed {} critical parts in {:.1} ms; at most {} were inside at once (K = {}).",
            self.completed,
            self.elapsed.as_secs_f64() * 1e3,
            self.max_inside,
            c.permits
        )?;
        write!(
            f,
            "  The pool had {} threads free, but the permits, not the threads, set the limit: \
             the others waited in the semaphore's queue, costing no thread.",
            c.pool_threads
        )
    }
}
