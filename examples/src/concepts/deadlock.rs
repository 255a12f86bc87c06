//! # Deadlock: two locks, opposite orders
//!
//! Task `left` takes lock A, then B; task `right` takes B, then A. If each gets its first
//! lock before the other asks for its second, each waits for a lock the other holds, and
//! neither will ever let go: the four Coffman conditions (mutual exclusion, hold and wait,
//! no preemption, circular wait; Coffman, Elphick and Shoshani, "System Deadlocks", 1971)
//! all hold. Here a `Barrier` makes that interleaving certain rather than likely.
//!
//! A deadlock does not crash anything: it looks like idleness (the timeline shows the
//! workers parked). So the program *detects* it the way a watchdog would: it awaits both
//! tasks under a `timeout`, and when the timeout fires it reads a holder registry — who
//! holds which lock, who waits for which — and follows "waits for a lock held by" from
//! task to task until it comes back to where it started: a cycle is a deadlock. (spindle
//! has no task dump yet; the registry is kept by [`TrackedMutex`], a thin wrapper that
//! records each wait and each acquisition around spindle's `Mutex`.) It then recovers the
//! way a database does: it aborts one task of the cycle, the *victim* (`left`); dropping
//! the victim drops its guard on A, and the survivor (`right`) gets A and finishes.
//!
//! The fix: one global order. Both tasks take A before B; the circular wait cannot form,
//! and `rounds` rounds complete with the same timeout never firing.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use spindle::runtime::Builder;
use spindle::sync::{Barrier, Mutex, MutexGuard};
use spindle::task;
use spindle::trace::Trace;

use super::pictures;

/// Sizes.
#[derive(Clone, Debug)]
pub struct Config {
    /// How long the watchdog waits before declaring a hang.
    pub timeout: Duration,
    /// Rounds of the fixed order.
    pub rounds: usize,
}

impl Config {
    /// The program's size.
    pub fn demo() -> Config {
        Config {
            timeout: Duration::from_millis(50),
            rounds: 1_000,
        }
    }

    /// A size for the tests.
    pub fn small() -> Config {
        Config {
            timeout: Duration::from_millis(20),
            rounds: 50,
        }
    }
}

/// Who holds which lock and who waits for which. Task and lock names are strings, so
/// the report reads like a task dump.
#[derive(Debug, Default)]
pub struct HolderRegistry {
    state: StdMutex<Holdings>,
}

#[derive(Debug, Default, Clone)]
struct Holdings {
    /// lock -> the task holding it.
    held_by: BTreeMap<&'static str, String>,
    /// task -> the lock it waits for.
    waits_for: BTreeMap<String, &'static str>,
}

/// One edge of a wait-for cycle: `task` holds `holds` and waits for `waits_for`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stuck {
    /// The task.
    pub task: String,
    /// The lock it holds (in the cycle).
    pub holds: &'static str,
    /// The lock it waits for.
    pub waits_for: &'static str,
}

impl HolderRegistry {
    /// Follows waits-for → held-by from each waiting task; returns the first cycle found,
    /// each task with the lock it holds and the one it waits for.
    pub fn find_cycle(&self) -> Option<Vec<Stuck>> {
        let h = self.state.lock().unwrap().clone();
        for start in h.waits_for.keys() {
            let mut path: Vec<(&String, &'static str)> = Vec::new(); // (task, lock it waits for)
            let mut task = start;
            while let Some(&lock) = h.waits_for.get(task) {
                if let Some(i) = path.iter().position(|(t, _)| *t == task) {
                    let cycle = &path[i..];
                    // Each task in the cycle holds the lock the previous one waits for.
                    return Some(
                        (0..cycle.len())
                            .map(|k| Stuck {
                                task: cycle[k].0.clone(),
                                holds: cycle[(k + cycle.len() - 1) % cycle.len()].1,
                                waits_for: cycle[k].1,
                            })
                            .collect(),
                    );
                }
                path.push((task, lock));
                match h.held_by.get(lock) {
                    Some(holder) => task = holder,
                    None => break, // the lock is free: this wait will end
                }
            }
        }
        None
    }

    /// A line per lock: who holds it; a line per waiting task.
    pub fn dump(&self) -> Vec<String> {
        let h = self.state.lock().unwrap();
        let held = h
            .held_by
            .iter()
            .map(|(l, t)| format!("lock {l} is held by {t}"));
        let waits = h
            .waits_for
            .iter()
            .map(|(t, l)| format!("{t} waits for lock {l}"));
        held.chain(waits).collect()
    }
}

/// A spindle `Mutex` that reports to a [`HolderRegistry`].
pub struct TrackedMutex {
    name: &'static str,
    inner: Mutex<()>,
    registry: Arc<HolderRegistry>,
}

/// A held [`TrackedMutex`]; dropping it unlocks and updates the registry.
pub struct TrackedGuard<'a> {
    lock: &'a TrackedMutex,
    _guard: MutexGuard<'a, ()>,
}

/// Marks `who` as waiting until dropped (also when the waiting future is cancelled).
struct Waiting<'a> {
    registry: &'a HolderRegistry,
    who: &'a str,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.registry
            .state
            .lock()
            .unwrap()
            .waits_for
            .remove(self.who);
    }
}

impl TrackedMutex {
    /// A lock called `name`, reporting to `registry`.
    pub fn new(name: &'static str, registry: Arc<HolderRegistry>) -> TrackedMutex {
        TrackedMutex {
            name,
            inner: Mutex::new(()),
            registry,
        }
    }

    /// Locks on behalf of task `who`.
    pub async fn lock<'a>(&'a self, who: &'a str) -> TrackedGuard<'a> {
        let waiting = {
            let mut h = self.registry.state.lock().unwrap();
            h.waits_for.insert(who.to_string(), self.name);
            Waiting {
                registry: &self.registry,
                who,
            }
        };
        let guard = self.inner.lock().await;
        drop(waiting);
        let mut h = self.registry.state.lock().unwrap();
        h.held_by.insert(self.name, who.to_string());
        TrackedGuard {
            lock: self,
            _guard: guard,
        }
    }
}

impl Drop for TrackedGuard<'_> {
    fn drop(&mut self) {
        let mut h = self.lock.registry.state.lock().unwrap();
        h.held_by.remove(self.lock.name);
    }
}

/// The program's findings.
#[derive(Clone, Debug)]
pub struct Report {
    /// The sizes used.
    pub cfg: Config,
    /// Opposite orders: did the watchdog fire?
    pub detected: bool,
    /// The registry when it fired.
    pub dump: Vec<String>,
    /// The wait-for cycle found in it.
    pub cycle: Option<Vec<Stuck>>,
    /// The victim (`left`) ended as cancelled after its abort.
    pub victim_cancelled: bool,
    /// The survivor (`right`) then completed.
    pub survivor_completed: bool,
    /// Same order: rounds completed within the timeout.
    pub ordered_rounds: usize,
    /// Same order: wall time of all rounds.
    pub ordered_elapsed: Duration,
    /// The trace of the deadlocked run.
    pub trace: Trace,
}

/// Two tracked locks and their registry.
struct Locks {
    a: TrackedMutex,
    b: TrackedMutex,
    registry: Arc<HolderRegistry>,
}

impl Locks {
    fn new() -> Arc<Locks> {
        let registry = Arc::new(HolderRegistry::default());
        Arc::new(Locks {
            a: TrackedMutex::new("A", registry.clone()),
            b: TrackedMutex::new("B", registry.clone()),
            registry,
        })
    }
}

/// Takes `first` then `second` on behalf of `who`; with `meet`, waits at the barrier in
/// between (so both tasks hold their first lock before either asks for its second).
async fn take_both(
    locks: Arc<Locks>,
    who: &'static str,
    a_first: bool,
    meet: Option<Arc<Barrier>>,
) {
    let (first, second) = if a_first {
        (&locks.a, &locks.b)
    } else {
        (&locks.b, &locks.a)
    };
    let _one = first.lock(who).await;
    match meet {
        Some(barrier) => drop(barrier.wait().await),
        None => task::yield_now().await, // still interleave, just without forcing it
    }
    let _two = second.lock(who).await;
}

/// Runs the deadlock, its detection, and the fixed order.
pub fn run(cfg: &Config) -> io::Result<Report> {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .trace(true)
        .build()?;
    let (detected, dump, cycle, recovered) = rt.block_on(async {
        let locks = Locks::new();
        let barrier = Arc::new(Barrier::new(2));
        let spawn = |who: &'static str, a_first| {
            task::Builder::new().name(who).spawn(take_both(
                locks.clone(),
                who,
                a_first,
                Some(barrier.clone()),
            ))
        };
        let left = spawn("left", true)?;
        let right = spawn("right", false)?;
        let victim = left.abort_handle();
        let both = async {
            let l = left.await;
            let r = right.await;
            (l, r)
        };
        let mut both = std::pin::pin!(both);
        match spindle::time::timeout(cfg.timeout, both.as_mut()).await {
            Ok(_) => io::Result::Ok((false, Vec::new(), None, (false, false))),
            Err(_elapsed) => {
                let dump = locks.registry.dump();
                let cycle = locks.registry.find_cycle();
                victim.abort(); // breaks the cycle: left's guard on A is dropped
                let (l, r) = both.await;
                let outcome = (l.is_err_and(|e| e.is_cancelled()), r.is_ok());
                Ok((true, dump, cycle, outcome))
            }
        }
    })?;
    let (victim_cancelled, survivor_completed) = recovered;

    let trace = pictures::finish(rt); // the picture is of the deadlock only

    let rt = Builder::new_multi_thread().worker_threads(2).build()?;
    let began = Instant::now();
    let ordered_rounds = rt.block_on(async {
        let locks = Locks::new();
        let mut done = 0;
        for _ in 0..cfg.rounds {
            let left = task::spawn(take_both(locks.clone(), "left", true, None));
            let right = task::spawn(take_both(locks.clone(), "right", true, None));
            let both = async { (left.await, right.await) };
            match spindle::time::timeout(cfg.timeout, both).await {
                Ok((Ok(()), Ok(()))) => done += 1,
                _ => break,
            }
        }
        done
    });
    let ordered_elapsed = began.elapsed();
    Ok(Report {
        cfg: cfg.clone(),
        detected,
        dump,
        cycle,
        victim_cancelled,
        survivor_completed,
        ordered_rounds,
        ordered_elapsed,
        trace,
    })
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Opposite orders: left takes A then B, right takes B then A."
        )?;
        if !self.detected {
            return writeln!(
                f,
                "  Both finished: no deadlock this time (unexpected with the barrier)."
            );
        }
        writeln!(
            f,
            "  After {:.0} ms with neither task finished, the watchdog read the registry:",
            self.cfg.timeout.as_secs_f64() * 1e3
        )?;
        for line in &self.dump {
            writeln!(f, "    {line}")?;
        }
        match &self.cycle {
            Some(cycle) => {
                let chain: Vec<String> = cycle
                    .iter()
                    .map(|s| format!("{} (holds {}, waits for {})", s.task, s.holds, s.waits_for))
                    .collect();
                writeln!(
                    f,
                    "  Wait-for cycle: {} -> back to the start: deadlock.",
                    chain.join(" -> ")
                )?;
            }
            None => writeln!(
                f,
                "  No cycle in the registry: a slow task, not a deadlock."
            )?,
        }
        writeln!(
            f,
            "  Recovery: aborted the victim, left ({}); its guard on A was dropped and right \
             {}.",
            if self.victim_cancelled {
                "cancelled"
            } else {
                "NOT cancelled"
            },
            if self.survivor_completed {
                "took A and finished"
            } else {
                "did NOT finish"
            }
        )?;
        write!(
            f,
            "Same order (both take A, then B): {} of {} rounds completed in {:.1} ms, the \
             watchdog never fired. A global lock order makes the circular wait impossible.",
            self.ordered_rounds,
            self.cfg.rounds,
            self.ordered_elapsed.as_secs_f64() * 1e3
        )
    }
}
