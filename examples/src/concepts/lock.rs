//! # Locks: std `Mutex` against spindle's async `Mutex`
//!
//! A mutex lets one holder at a time into a critical section. The two kinds differ in
//! what a *waiter* does:
//! - `std::sync::Mutex::lock` blocks the **thread** (spins briefly, then sleeps in the
//!   kernel on a futex) until the lock is free;
//! - `spindle::sync::Mutex::lock().await` suspends the **task**: the waiter is queued in
//!   the lock's wait list, its poll returns `Pending`, and the thread goes on running other
//!   tasks; the unlock wakes the first waiter (`runtime/src/sync/mutex.rs`, a semaphore
//!   with one permit and data attached).
//!
//! Part 1 (contention): 8 tasks on a two-worker runtime increment one counter, with a
//! std lock held only between two awaits (never across one), with the async lock, and with
//! the async lock held *across* an `.await`. All three count every increment, and the
//! times are printed. A std lock is fine in async code when its critical section is short
//! and has no `.await` in it (tokio's advice too: the waiter blocks a worker only for
//! as long as the holder needs the lock); the async lock is for holding across an
//! `.await`, and every such hold costs extra polls, as the third time shows.
//!
//! Part 2 (the hazard): on a current-thread runtime — one thread for every task — the
//! `block_on` future takes a std lock and, still holding the guard, awaits a 1 ms timer.
//! A task that wants the same lock now runs on the only thread. Had it called `lock()`,
//! the thread would block in the kernel waiting for a holder that can only run on that
//! same thread, after the waiter returns: a hang. The program detects it safely: the
//! waiter calls `try_lock` in a loop for a bounded time, every try fails, it gives up, and
//! only then does the holder's timer (long expired) get to run. The trace shows the
//! waiter's long bar on the one lane. The same scene with the async lock: the waiter's
//! `lock().await` returns `Pending`, the holder resumes on time, unlocks, the waiter gets
//! the lock.
//!
//! The compiler already refuses the hazard on a multi-thread runtime: a future holding a
//! `std::sync::MutexGuard` across an `.await` is not `Send`, so `spawn` rejects it. The
//! `block_on` future, `spawn_local` and current-thread runtimes do not need `Send`, and
//! there only `clippy::await_holding_lock` warns.

use std::hint::spin_loop;
use std::io;
use std::sync::{Arc, Mutex as StdMutex, TryLockError};
use std::time::{Duration, Instant};

use spindle::runtime::Builder;
use spindle::sync::Mutex as AsyncMutex;
use spindle::task;
use spindle::trace::Trace;

use super::pictures;

/// Sizes.
#[derive(Clone, Debug)]
pub struct Config {
    /// Tasks contending in part 1.
    pub tasks: usize,
    /// Increments per task in part 1.
    pub increments: u64,
    /// Part 2: how long the holder's timer is.
    pub holder_nap: Duration,
    /// Part 2: how long the waiter keeps trying `try_lock` before it gives up.
    pub waiter_patience: Duration,
}

impl Config {
    /// The program's size.
    pub fn demo() -> Config {
        Config {
            tasks: 8,
            increments: 20_000,
            holder_nap: Duration::from_millis(1),
            waiter_patience: Duration::from_millis(20),
        }
    }

    /// A size for the tests.
    pub fn small() -> Config {
        Config {
            tasks: 4,
            increments: 300,
            holder_nap: Duration::from_millis(1),
            waiter_patience: Duration::from_millis(3),
        }
    }
}

/// One contention run of part 1.
#[derive(Clone, Debug)]
pub struct Contention {
    /// Which lock, used how.
    pub what: &'static str,
    /// `tasks * increments`.
    pub expected: u64,
    /// The counter afterwards.
    pub counted: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Part 2 with the std lock.
#[derive(Clone, Debug)]
pub struct StdHazard {
    /// `try_lock` calls the waiter made.
    pub attempts: u64,
    /// Of those, how many found the lock held.
    pub failures: u64,
    /// How late the holder's timer was served.
    pub holder_late_by: Duration,
    /// `true` if the holder resumed only after the waiter gave up.
    pub holder_resumed_after_waiter: bool,
}

/// The program's findings.
#[derive(Clone, Debug)]
pub struct Report {
    /// The sizes used.
    pub cfg: Config,
    /// Part 1, three runs.
    pub contention: Vec<Contention>,
    /// Part 2 with the std lock.
    pub std_hazard: StdHazard,
    /// Part 2 with the async lock: what happened, in order.
    pub async_order: Vec<&'static str>,
    /// How late the holder's timer was served with the async lock.
    pub async_holder_late_by: Duration,
    /// The current-thread runtime's trace of part 2.
    pub trace: Trace,
}

/// Runs both parts.
pub fn run(cfg: &Config) -> io::Result<Report> {
    let contention = contend(cfg)?;
    let rt = Builder::new_current_thread().trace(true).build()?;
    let std_hazard = rt.block_on(std_lock_across_await(cfg))?;
    let (async_order, async_holder_late_by) = rt.block_on(async_lock_across_await(cfg))?;
    Ok(Report {
        cfg: cfg.clone(),
        contention,
        std_hazard,
        async_order,
        async_holder_late_by,
        trace: pictures::finish(rt),
    })
}

/// Part 1: `tasks` tasks increment one counter `increments` times each, three ways.
fn contend(cfg: &Config) -> io::Result<Vec<Contention>> {
    let rt = Builder::new_multi_thread().worker_threads(2).build()?;
    let n = cfg.increments;

    let std_lock = Arc::new(StdMutex::new(0u64));
    let with_std = case(&rt, "std Mutex, never across .await", cfg, || {
        let lock = std_lock.clone();
        async move {
            for i in 0..n {
                *lock.lock().unwrap() += 1; // the guard is dropped at the `;`
                if i % 16 == 0 {
                    task::yield_now().await; // ...so no guard lives across this
                }
            }
        }
    })?;

    let async_lock = Arc::new(AsyncMutex::new(0u64));
    let with_async = case(&rt, "spindle Mutex", cfg, || {
        let lock = async_lock.clone();
        async move {
            for i in 0..n {
                *lock.lock().await += 1;
                if i % 16 == 0 {
                    task::yield_now().await;
                }
            }
        }
    })?;

    let across = Arc::new(AsyncMutex::new(0u64));
    let held_across = case(&rt, "spindle Mutex, held across .await", cfg, || {
        let lock = across.clone();
        async move {
            for _ in 0..n {
                let mut guard = lock.lock().await;
                let v = *guard;
                task::yield_now().await; // other tasks run here and queue up on the lock
                *guard = v + 1;
            }
        }
    })?;

    let finished = "every task finished";
    Ok(vec![
        Contention {
            counted: *std_lock.lock().unwrap(),
            ..with_std
        },
        Contention {
            counted: *async_lock.try_lock().expect(finished),
            ..with_async
        },
        Contention {
            counted: *across.try_lock().expect(finished),
            ..held_across
        },
    ])
}

/// Spawns `cfg.tasks` futures made by `make` on `rt` and waits for all of them; returns
/// the run's time (its `counted` is left 0 for the caller, who owns the counter).
fn case<F>(
    rt: &spindle::Runtime,
    what: &'static str,
    cfg: &Config,
    make: impl Fn() -> F,
) -> io::Result<Contention>
where
    F: Future<Output = ()> + Send + 'static,
{
    let began = Instant::now();
    let handles: Vec<_> = (0..cfg.tasks).map(|_| rt.spawn(make())).collect();
    rt.block_on(async {
        for h in handles {
            h.await.map_err(io::Error::other)?;
        }
        io::Result::Ok(())
    })?;
    Ok(Contention {
        what,
        expected: cfg.tasks as u64 * cfg.increments,
        counted: 0,
        elapsed: began.elapsed(),
    })
}

/// Part 2, the wrong way: the `block_on` future holds a std guard across an `.await`.
#[allow(clippy::await_holding_lock)] // this function *is* that bug, shown on purpose
async fn std_lock_across_await(cfg: &Config) -> io::Result<StdHazard> {
    let lock = Arc::new(StdMutex::new(0u32));
    let guard = lock.lock().unwrap();
    let patience = cfg.waiter_patience;
    let waiter = task::Builder::new().name("waiter: try_lock").spawn({
        let lock = lock.clone();
        async move {
            // `lock.lock()` here would never return: the holder needs this thread to
            // run and drop its guard, and this call would keep the thread blocked.
            let began = Instant::now();
            let (mut attempts, mut failures) = (0u64, 0u64);
            while began.elapsed() < patience {
                attempts += 1;
                match lock.try_lock() {
                    Err(TryLockError::WouldBlock) => failures += 1,
                    Ok(mut value) => {
                        *value += 1; // cannot happen while the holder is suspended
                        break;
                    }
                    Err(TryLockError::Poisoned(_)) => panic!("the holder panicked"),
                }
                spin_loop();
            }
            (attempts, failures, Instant::now())
        }
    })?;
    let napping = Instant::now();
    spindle::time::sleep(cfg.holder_nap).await; // "waiting for I/O", guard held
    let resumed = Instant::now();
    drop(guard);
    let (attempts, failures, gave_up) = waiter.await.map_err(io::Error::other)?;
    Ok(StdHazard {
        attempts,
        failures,
        holder_late_by: resumed
            .duration_since(napping)
            .saturating_sub(cfg.holder_nap),
        holder_resumed_after_waiter: resumed >= gave_up,
    })
}

/// Part 2, the right way: the same scene with spindle's async `Mutex`.
async fn async_lock_across_await(cfg: &Config) -> io::Result<(Vec<&'static str>, Duration)> {
    let lock = Arc::new(AsyncMutex::new(0u32));
    let order = Arc::new(StdMutex::new(Vec::new()));
    let note = |o: &StdMutex<Vec<&'static str>>, what| o.lock().unwrap().push(what);
    let guard = lock.lock().await;
    note(&order, "holder: has the lock");
    let waiter = task::Builder::new().name("waiter: lock().await").spawn({
        let (lock, order) = (lock.clone(), order.clone());
        async move {
            note(&order, "waiter: asks for the lock (and is suspended)");
            let mut value = lock.lock().await;
            note(&order, "waiter: has the lock");
            *value += 1;
        }
    })?;
    let napping = Instant::now();
    spindle::time::sleep(cfg.holder_nap).await;
    let late_by = napping.elapsed().saturating_sub(cfg.holder_nap);
    note(&order, "holder: resumed on time, unlocks");
    drop(guard);
    waiter.await.map_err(io::Error::other)?;
    let order = order.lock().unwrap().clone();
    Ok((order, late_by))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Part 1: {} tasks on 2 workers each increment one counter {} times.",
            self.cfg.tasks, self.cfg.increments
        )?;
        for c in &self.contention {
            writeln!(
                f,
                "  {:<34} counted {:>7} of {:>7} in {:>7.2} ms",
                c.what,
                c.counted,
                c.expected,
                ms(c.elapsed)
            )?;
        }
        writeln!(
            f,
            "  Both serialise the counter. A waiting std lock blocks its worker thread (here for \
             nanoseconds); a waiting async lock suspends the task. The last line is correct \
             too, but each increment now costs polls: hold a lock across .await only when you \
             must."
        )?;
        let h = &self.std_hazard;
        writeln!(
            f,
            "Part 2: one thread (current-thread runtime); the holder keeps a std guard across \
             a {:.1} ms timer.",
            ms(self.cfg.holder_nap)
        )?;
        writeln!(
            f,
            "  The waiter tried try_lock {} times in {:.1} ms: {} failed. lock() would have \
             blocked the only thread forever (deadlock with itself).",
            h.attempts,
            ms(self.cfg.waiter_patience),
            h.failures
        )?;
        writeln!(
            f,
            "  The holder's timer was served {:.2} ms late{}.",
            ms(h.holder_late_by),
            if h.holder_resumed_after_waiter {
                ", only after the waiter gave up the thread"
            } else {
                ""
            }
        )?;
        writeln!(f, "  With spindle's Mutex, the same scene:")?;
        for (i, step) in self.async_order.iter().enumerate() {
            writeln!(f, "    {}. {step}", i + 1)?;
        }
        write!(
            f,
            "  and the holder's timer was {:.2} ms late: a waiting task leaves the thread free.",
            ms(self.async_holder_late_by)
        )
    }
}
