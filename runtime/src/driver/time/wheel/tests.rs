//! Tests of the timing wheel against a plain sorted model.

use super::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Wake;

/// A waker that records the id of its timer in a shared log when woken.
struct LogWaker {
    id: u64,
    log: Arc<Mutex<Vec<u64>>>,
    wakes: AtomicUsize,
}

impl Wake for LogWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::Relaxed);
        self.log.lock().unwrap().push(self.id);
    }
}

fn waker(id: u64, log: &Arc<Mutex<Vec<u64>>>) -> Waker {
    Waker::from(Arc::new(LogWaker {
        id,
        log: log.clone(),
        wakes: AtomicUsize::new(0),
    }))
}

/// Deterministic xorshift64*, so failures reproduce.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let state = AtomicU64::new(seed);
    move || {
        let mut x = state.load(Ordering::Relaxed);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.store(x, Ordering::Relaxed);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn level_for_picks_the_highest_differing_digit() {
    assert_eq!(level_for(0, 1), 0);
    assert_eq!(level_for(0, 63), 0);
    assert_eq!(level_for(0, 64), 1);
    assert_eq!(level_for(63, 64), 1);
    assert_eq!(level_for(64, 127), 0);
    assert_eq!(level_for(0, 4096), 2);
    assert_eq!(level_for(0, HORIZON - 1), LEVELS - 1);
}

#[test]
fn timers_fire_in_deadline_order_and_never_early() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = TimerWheel::new();
    let deadlines = [5u64, 1, 64, 63, 65, 4095, 4096, 300_000, 2, 70_000];
    for &when in &deadlines {
        wheel.insert(when, waker(when, &log));
    }
    // Advance one tick at a time up to the last deadline: each timer must fire on
    // exactly the tick equal to its deadline.
    let last = *deadlines.iter().max().unwrap();
    let mut tick = 0;
    while tick < last {
        let next = wheel.next_expiration().expect("timers are waiting");
        assert!(
            next > tick,
            "next expiration {next} not after elapsed {tick}"
        );
        // Jump straight to the next expiration, checking nothing fires before it.
        let fired_before = log.lock().unwrap().len();
        wheel.advance(next - 1, |w| w.wake());
        assert_eq!(log.lock().unwrap().len(), fired_before, "fired early");
        wheel.advance(next, |w| w.wake());
        for &id in &log.lock().unwrap()[fired_before..] {
            assert_eq!(id, next, "a timer fired at the wrong tick");
        }
        tick = next;
    }
    let mut sorted = deadlines.to_vec();
    sorted.sort_unstable();
    assert_eq!(*log.lock().unwrap(), sorted);
    assert_eq!(wheel.next_expiration(), None);
}

#[test]
fn a_large_jump_fires_everything_due_and_nothing_else() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = TimerWheel::new();
    for when in [10u64, 5000, 1 << 20, (1 << 30) + 7] {
        wheel.insert(when, waker(when, &log));
    }
    assert_eq!(wheel.advance(1 << 20, |w| w.wake()), 3);
    assert_eq!(*log.lock().unwrap(), vec![10, 5000, 1 << 20]);
    assert_eq!(wheel.next_expiration(), Some(1 << 30));
    assert_eq!(wheel.advance(u64::MAX, |w| w.wake()), 1);
    assert_eq!(log.lock().unwrap().last(), Some(&((1 << 30) + 7)));
}

#[test]
fn remove_is_immediate_and_stale_keys_are_ignored() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = TimerWheel::new();
    let a = wheel.insert(100, waker(1, &log));
    let b = wheel.insert(100, waker(2, &log));
    let c = wheel.insert(100, waker(3, &log));
    assert!(wheel.remove(b));
    assert!(!wheel.remove(b), "second remove of the same key");
    // The freed entry is reused; the stale key must not touch the new timer.
    let d = wheel.insert(200, waker(4, &log));
    assert!(!wheel.remove(b));
    assert!(!wheel.poll_fired(d, Waker::noop()));
    wheel.advance(150, |w| w.wake());
    let mut fired = log.lock().unwrap().clone();
    fired.sort_unstable();
    assert_eq!(fired, vec![1, 3]);
    assert!(wheel.poll_fired(a, Waker::noop()));
    assert!(wheel.remove(a) && wheel.remove(c) && wheel.remove(d));
    assert_eq!(wheel.len(), 0);
    assert_eq!(wheel.advance(10_000, |w| w.wake()), 0);
}

#[test]
fn due_and_zero_deadlines_are_fired_at_once() {
    let mut wheel = TimerWheel::new();
    wheel.advance(50, |w| w.wake());
    let past = wheel.insert(10, Waker::noop().clone());
    let now = wheel.insert(50, Waker::noop().clone());
    assert!(wheel.poll_fired(past, Waker::noop()));
    assert!(wheel.poll_fired(now, Waker::noop()));
    assert_eq!(wheel.next_expiration(), None);
}

#[test]
fn deadlines_past_the_horizon_never_fire_and_still_cancel() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = TimerWheel::new();
    let forever = wheel.insert(u64::MAX, waker(1, &log));
    let edge = wheel.insert(HORIZON, waker(2, &log));
    let last = wheel.insert(HORIZON - 1, waker(3, &log));
    assert_eq!(wheel.advance(u64::MAX, |w| w.wake()), 1);
    assert_eq!(*log.lock().unwrap(), vec![3]);
    assert!(!wheel.poll_fired(forever, Waker::noop()));
    assert!(wheel.remove(forever) && wheel.remove(edge) && wheel.remove(last));
    assert_eq!(wheel.len(), 0);
}

#[test]
fn reset_moves_a_timer_either_way() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = TimerWheel::new();
    let key = wheel.insert(1000, waker(1, &log));
    assert!(wheel.reset(key, 20), "moved earlier, keeping its waker");
    assert_eq!(wheel.next_expiration(), Some(20));
    wheel.advance(20, |w| w.wake());
    assert_eq!(log.lock().unwrap().len(), 1, "the kept waker was woken");
    assert!(wheel.poll_fired(key, Waker::noop()));
    assert!(wheel.reset(key, 5000), "a fired timer can be re-armed");
    assert!(
        !wheel.poll_fired(key, &waker(1, &log)),
        "and takes a new waker"
    );
    wheel.advance(4999, |w| w.wake());
    assert_eq!(log.lock().unwrap().len(), 1);
    wheel.advance(5000, |w| w.wake());
    assert_eq!(log.lock().unwrap().len(), 2);
}

#[test]
fn poll_fired_keeps_only_the_latest_waker() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = TimerWheel::new();
    let key = wheel.insert(30, waker(1, &log));
    assert!(!wheel.poll_fired(key, &waker(2, &log)));
    wheel.advance(30, |w| w.wake());
    assert_eq!(
        *log.lock().unwrap(),
        vec![2],
        "only the latest waker is woken, once"
    );
}

/// Random inserts, removes and advances, checked against a sorted map of deadlines.
#[test]
fn matches_a_sorted_model() {
    let ops = if cfg!(miri) { 300 } else { 20_000 };
    let mut next = rng(0x5eed_1234);
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = TimerWheel::new();
    let mut model: BTreeMap<u64, (u64, TimerKey)> = BTreeMap::new(); // id -> (when, key)
    let mut id = 0u64;
    for _ in 0..ops {
        match next() % 10 {
            0..=5 => {
                // Deadlines spread over every level: 1 tick to ~2^30 ticks ahead.
                let span = 1u64 << (next() % 31);
                let when = wheel.elapsed() + 1 + next() % span;
                let key = wheel.insert(when, waker(id, &log));
                model.insert(id, (when, key));
                id += 1;
            }
            6 | 7 => {
                if let Some((&victim, &(_, key))) = model.iter().nth((next() % 8) as usize) {
                    assert!(wheel.remove(key));
                    model.remove(&victim);
                }
            }
            _ => {
                let now = wheel.elapsed() + next() % (1 << (next() % 24));
                log.lock().unwrap().clear();
                let fired = wheel.advance(now, |w| w.wake());
                let mut expected: Vec<u64> = model
                    .iter()
                    .filter(|(_, (when, _))| *when <= now)
                    .map(|(&id, _)| id)
                    .collect();
                let mut got = log.lock().unwrap().clone();
                expected.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, expected, "fired set differs at now={now}");
                assert_eq!(fired, expected.len());
                for id in expected {
                    let (_, key) = model.remove(&id).unwrap();
                    assert!(wheel.poll_fired(key, Waker::noop()));
                    assert!(wheel.remove(key));
                }
                if let Some(min) = model.values().map(|(when, _)| *when).min() {
                    let next_exp = wheel.next_expiration().expect("timers wait");
                    assert!(next_exp <= min && next_exp > wheel.elapsed());
                }
            }
        }
        assert_eq!(wheel.len(), model.len());
    }
}

#[test]
fn a_hundred_thousand_timers() {
    let n = if cfg!(miri) { 500 } else { 100_000 };
    let mut wheel = TimerWheel::new();
    let mut next = rng(7);
    let keys: Vec<TimerKey> = (0..n)
        .map(|_| wheel.insert(1 + next() % 50_000, Waker::noop().clone()))
        .collect();
    let mut fired = 0;
    let mut now = 0;
    while let Some(deadline) = wheel.next_expiration() {
        assert!(deadline > now);
        now = deadline;
        fired += wheel.advance(now, drop);
    }
    assert_eq!(fired, n);
    assert!(now <= 50_000);
    for key in keys {
        assert!(wheel.remove(key));
    }
    assert_eq!(wheel.len(), 0);
}
