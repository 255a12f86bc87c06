//! # A race condition: the lost update
//!
//! `counter += 1` is three steps — read the value, add one, write it back — and nothing
//! stops another thread from running between the read and the write:
//!
//! ```text
//! thread A: read 41                write 42
//! thread B:          read 41                write 42     <- two increments, one counted
//! ```
//!
//! Here the three steps are written out as an atomic `load` followed by a separate
//! atomic `store`. Each access on its own is atomic, so the program has no undefined
//! behaviour (a plain `u64` shared this way would not even compile in safe Rust); the
//! *pair* is not, and that is the whole bug. Between the two, the program widens the
//! window so the loss shows up in every run instead of once in a while:
//! `spin_loop` hints (on two cores, the other thread's read lands in the window) and,
//! every few iterations, `thread::yield_now` (on one core, or a loaded machine, the
//! scheduler switches threads right there — what a preemption at the worst moment does).
//!
//! The two fixes make read-add-write one indivisible step:
//! - [`Update::FetchAdd`]: `fetch_add`, a single read-modify-write instruction
//!   (`lock xadd` on x86-64): no window at all;
//! - [`Update::Mutex`]: the same load, window and store, inside a `Mutex`: the window is
//!   still there, but only one thread at a time can be in it.
//!
//! Invariant checked by the tests: the fixes count every increment, in every run; the
//! racy version, run a bounded number of times, loses some.

use std::hint::spin_loop;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How each thread increments the shared counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    /// `load`, window, `store`: a read-modify-write split in two (the bug).
    LoadThenStore,
    /// `fetch_add(1)`: one atomic read-modify-write.
    FetchAdd,
    /// `load`, window, `store` while holding a `Mutex`.
    Mutex,
}

impl Update {
    /// All three, racy version first.
    pub const ALL: [Update; 3] = [Update::LoadThenStore, Update::FetchAdd, Update::Mutex];

    /// A short description for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Update::LoadThenStore => "load, then store (racy)",
            Update::FetchAdd => "fetch_add (atomic)",
            Update::Mutex => "load+store under a Mutex",
        }
    }
}

/// Sizes.
#[derive(Clone, Debug)]
pub struct Config {
    /// Threads incrementing at once.
    pub threads: usize,
    /// Increments per thread.
    pub increments: u64,
    /// `spin_loop` hints between the load and the store.
    pub spins: u32,
    /// Every this many increments, `thread::yield_now()` inside the window (0: never).
    pub yield_every: u64,
}

impl Config {
    /// The program's size.
    pub fn demo() -> Config {
        Config {
            threads: 2,
            increments: 200_000,
            spins: 20,
            yield_every: 64,
        }
    }

    /// A size for the tests (fast in a debug build).
    pub fn small() -> Config {
        Config {
            threads: 2,
            increments: 5_000,
            spins: 20,
            yield_every: 16,
        }
    }
}

/// What one run counted.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The update used.
    pub update: Update,
    /// `threads * increments`.
    pub expected: u64,
    /// What the counter says afterwards.
    pub counted: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Outcome {
    /// Increments that vanished.
    pub fn lost(&self) -> u64 {
        self.expected - self.counted
    }
}

/// Runs `cfg.threads` threads, each incrementing one shared counter `cfg.increments`
/// times with `update`, all released at once by a barrier.
pub fn run_once(update: Update, cfg: &Config) -> Outcome {
    let counter = Arc::new(AtomicU64::new(0));
    let locked = Arc::new(Mutex::new(0u64));
    let start = Arc::new(Barrier::new(cfg.threads));
    let began = Instant::now();
    let threads: Vec<_> = (0..cfg.threads)
        .map(|_| {
            let (counter, locked, start, cfg) =
                (counter.clone(), locked.clone(), start.clone(), cfg.clone());
            thread::spawn(move || {
                start.wait();
                for i in 0..cfg.increments {
                    match update {
                        Update::LoadThenStore => {
                            let v = counter.load(Relaxed);
                            window(&cfg, i);
                            counter.store(v + 1, Relaxed);
                        }
                        Update::FetchAdd => {
                            counter.fetch_add(1, Relaxed);
                        }
                        Update::Mutex => {
                            let mut guard = locked.lock().unwrap();
                            let v = *guard;
                            window(&cfg, i);
                            *guard = v + 1;
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("an incrementing thread panicked");
    }
    let counted = match update {
        Update::Mutex => *locked.lock().unwrap(),
        _ => counter.load(Relaxed),
    };
    Outcome {
        update,
        expected: cfg.threads as u64 * cfg.increments,
        counted,
        elapsed: began.elapsed(),
    }
}

/// The gap between the read and the write, widened on purpose (see the module docs).
fn window(cfg: &Config, i: u64) {
    for _ in 0..cfg.spins {
        spin_loop();
    }
    if cfg.yield_every != 0 && i % cfg.yield_every == 0 {
        thread::yield_now();
    }
}

/// The three updates, one run each.
pub fn run(cfg: &Config) -> Report {
    Report {
        cfg: cfg.clone(),
        outcomes: Update::ALL.iter().map(|&u| run_once(u, cfg)).collect(),
    }
}

/// The program's findings.
#[derive(Clone, Debug)]
pub struct Report {
    /// The sizes used.
    pub cfg: Config,
    /// One per [`Update`], in [`Update::ALL`] order.
    pub outcomes: Vec<Outcome>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} threads each add 1 to a shared counter {} times:",
            self.cfg.threads, self.cfg.increments
        )?;
        for o in &self.outcomes {
            writeln!(
                f,
                "  {:<26} expected {:>8}, counted {:>8}, lost {:>7} ({:.1} ms)",
                o.update.describe(),
                o.expected,
                o.counted,
                o.lost(),
                o.elapsed.as_secs_f64() * 1e3
            )?;
        }
        let racy = &self.outcomes[0];
        if racy.lost() > 0 {
            writeln!(
                f,
                "The racy version lost {:.1}% of its updates: two threads read the same value \
                 and both wrote value+1.",
                100.0 * racy.lost() as f64 / racy.expected as f64
            )?;
        } else {
            writeln!(
                f,
                "This time the racy version lost nothing: the race is real but timing-dependent \
                 (run it again, or raise the sizes in race.rs)."
            )?;
        }
        write!(
            f,
            "fetch_add makes read-add-write one instruction; the Mutex lets one thread at a \
             time through the window. Neither ever loses an update."
        )
    }
}
