//! Model-based test of the wheel (proptest): random sequences of insert, cancel, reset
//! and advance, at any deadline — already due, near, a level or two up, past the
//! horizon, `u64::MAX` — checked step by step against a `BTreeMap` of deadlines.
//!
//! After every operation:
//! - the wheel fired exactly the timers the model says are due (deadline at or before
//!   the clock, and before the horizon), each once, none early;
//! - `poll_fired` agrees with the model for every live timer;
//! - `next_expiration` is `None` iff no timer waits below the horizon, and otherwise is
//!   no later than the earliest waiting deadline (it may be an earlier slot start that a
//!   cascade passes through) and never in the past of the clock.
//!
//! 64 cases by default (each a sequence of up to 200 operations); `PROPTEST_CASES`
//! raises that (the CI soak step does).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use proptest::prelude::*;

use super::{HORIZON, TimerKey, TimerWheel};

#[derive(Clone, Debug)]
enum Op {
    /// A timer `ahead` ticks after the wheel's clock (`u64::MAX`: saturating).
    Insert { ahead: u64 },
    /// Cancel the `n`-th live timer (modulo their number).
    Cancel { n: usize },
    /// Move the `n`-th live timer to `ahead` ticks after the clock.
    Reset { n: usize, ahead: u64 },
    /// Advance the clock by `by` ticks (saturating).
    Advance { by: u64 },
    /// Advance to exactly `next_expiration()`, as the driver does after sleeping until
    /// then: a slot start, where an early fire would show.
    AdvanceToNext,
}

/// Deadlines that exercise every level, the horizon and the overflow edge.
fn ahead() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 0..70u64,                       // due now, level 0, level 1's first slots
        3 => 0..5_000u64,                    // levels 1 and 2
        1 => 0..(1u64 << 30),                // higher levels
        1 => (HORIZON - 100)..(HORIZON + 100), // around the horizon
        1 => Just(u64::MAX),                 // sleep(Duration::MAX)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => ahead().prop_map(|ahead| Op::Insert { ahead }),
        2 => any::<usize>().prop_map(|n| Op::Cancel { n }),
        1 => (any::<usize>(), ahead()).prop_map(|(n, ahead)| Op::Reset { n, ahead }),
        3 => prop_oneof![0..10u64, 0..300u64, 0..100_000u64, Just(HORIZON)]
            .prop_map(|by| Op::Advance { by }),
        3 => Just(Op::AdvanceToNext),
    ]
}

/// Records the id of its timer when woken.
struct Log {
    id: u64,
    fired: Arc<Mutex<Vec<u64>>>,
}

impl Wake for Log {
    fn wake(self: Arc<Self>) {
        self.fired.lock().unwrap().push(self.id);
    }
}

struct Harness {
    wheel: TimerWheel,
    /// Live timers: id -> (key, deadline).
    live: BTreeMap<u64, (TimerKey, u64)>,
    /// Live timers the model says have fired.
    fired: BTreeSet<u64>,
    log: Arc<Mutex<Vec<u64>>>,
    next_id: u64,
}

impl Harness {
    fn waker(&self, id: u64) -> Waker {
        Waker::from(Arc::new(Log {
            id,
            fired: self.log.clone(),
        }))
    }

    fn nth(&self, n: usize) -> Option<u64> {
        let len = self.live.len();
        (len > 0).then(|| *self.live.keys().nth(n % len).unwrap())
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let now = self.wheel.elapsed();
        match *op {
            Op::Insert { ahead } => {
                let (id, when) = (self.next_id, now.saturating_add(ahead));
                self.next_id += 1;
                let key = self.wheel.insert(when, self.waker(id));
                self.live.insert(id, (key, when));
                if when <= now {
                    self.fired.insert(id); // created fired, never woken
                }
            }
            Op::Cancel { n } => {
                if let Some(id) = self.nth(n) {
                    let (key, _) = self.live.remove(&id).unwrap();
                    self.fired.remove(&id);
                    prop_assert!(self.wheel.remove(key));
                    prop_assert!(!self.wheel.remove(key), "a stale key must be refused");
                }
            }
            Op::Reset { n, ahead } => {
                if let Some(id) = self.nth(n) {
                    let when = now.saturating_add(ahead);
                    let entry = self.live.get_mut(&id).unwrap();
                    entry.1 = when;
                    prop_assert!(self.wheel.reset(entry.0, when));
                    // A reset keeps the stored waker; a fired one gets a new one below.
                    if when <= now {
                        self.fired.insert(id);
                    } else {
                        self.fired.remove(&id);
                        let key = entry.0;
                        prop_assert!(!self.wheel.poll_fired(key, &self.waker(id)));
                    }
                }
            }
            Op::Advance { .. } | Op::AdvanceToNext => {
                let target = match *op {
                    Op::Advance { by } => now.saturating_add(by),
                    _ => self.wheel.next_expiration().unwrap_or(now),
                };
                let fired_before = self.log.lock().unwrap().len();
                let count = self.wheel.advance(target, |w| w.wake());
                let clock = self.wheel.elapsed();
                prop_assert!(clock >= now, "the clock went backwards");
                let mut due: Vec<u64> = (self.live.iter())
                    .filter(|(id, (_, when))| {
                        !self.fired.contains(id) && *when <= clock && *when < HORIZON
                    })
                    .map(|(id, _)| *id)
                    .collect();
                let mut woken = self.log.lock().unwrap()[fired_before..].to_vec();
                due.sort_unstable();
                woken.sort_unstable();
                prop_assert_eq!(&woken, &due, "fired set at clock {}", clock);
                prop_assert_eq!(count, due.len());
                self.fired.extend(due);
            }
        }
        self.check()
    }

    fn check(&mut self) -> Result<(), TestCaseError> {
        let clock = self.wheel.elapsed();
        let live: Vec<(u64, TimerKey, u64)> = self
            .live
            .iter()
            .map(|(id, (key, when))| (*id, *key, *when))
            .collect();
        for (id, key, when) in live {
            // An equivalent waker (same id): polling may store it in place of the old.
            let fired = self.wheel.poll_fired(key, &self.waker(id));
            prop_assert_eq!(fired, self.fired.contains(&id), "timer {} due {}", id, when);
        }
        let waiting = (self.live.iter())
            .filter(|(id, (_, when))| !self.fired.contains(id) && *when < HORIZON)
            .map(|(_, (_, when))| *when)
            .min();
        match (self.wheel.next_expiration(), waiting) {
            (None, None) => {}
            (Some(next), Some(earliest)) => {
                prop_assert!(
                    next <= earliest,
                    "next {} after earliest {}",
                    next,
                    earliest
                );
                prop_assert!(next >= clock, "next {} before the clock {}", next, clock);
            }
            (next, earliest) => prop_assert!(false, "next {:?}, earliest {:?}", next, earliest),
        }
        prop_assert_eq!(self.wheel.len(), self.live.len());
        Ok(())
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn wheel_matches_a_sorted_model(ops in prop::collection::vec(op(), 1..200)) {
        let mut h = Harness {
            wheel: TimerWheel::new(),
            live: BTreeMap::new(),
            fired: BTreeSet::new(),
            log: Arc::default(),
            next_id: 0,
        };
        for op in &ops {
            h.apply(op)?;
        }
    }
}
