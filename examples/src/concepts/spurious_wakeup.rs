//! # A spurious wake-up, forced: why the condition is checked in a `while`
//!
//! Part 2 of the `condvar` program (`condvar.rs` has the queues and the rule). POSIX lets
//! `pthread_cond_wait` — and so `std::sync::Condvar::wait` — return without any
//! notification, and a real notification can be stale by the time the woken thread holds
//! the mutex again. A spurious wake-up cannot be summoned on demand, so this scene sends
//! its exact equivalent: a `notify_all` with nothing pushed.
//!
//! The scene: one consumer waits on an empty one-slot queue; the main thread sees it
//! asleep (it sets `waiting` under the lock and `wait` releases that lock atomically, so
//! once main holds the lock and reads `waiting`, the consumer is inside `wait`), wakes it
//! for no reason, and, if it went back to waiting, pushes 42 for real. Written with
//! `while`, the consumer re-checks, waits again and takes 42; written with `if`, it goes
//! on and takes from the empty queue (`None`: an `unwrap` would crash, unchecked code would
//! read garbage). The scene synchronises by polling the shared state under its lock (with
//! a deadline), never by sleeping.

use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How the consumer of the forced spurious wake-up checks its condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `while queue.is_empty() { wait }`: right.
    While,
    /// `if queue.is_empty() { wait }`: wrong.
    If,
}

/// The outcome of a forced spurious wake-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spurious {
    /// The rule the consumer used.
    pub rule: Rule,
    /// What it took from the queue: `Some(42)` is right, `None` means it took from an
    /// empty queue.
    pub took: Option<u32>,
    /// Wake-ups it saw with nothing in the queue.
    pub futile_wakeups: u32,
}

/// The one-slot queue of the spurious wake-up scene.
#[derive(Default)]
struct Slot {
    item: Option<u32>,
    waiting: bool,
    done: bool,
    futile: u32,
}

/// Part 2: one consumer waits on an empty one-slot queue; a `notify_all` with nothing
/// pushed wakes it, as a spurious wake-up would; then, if it is waiting again, an item
/// is pushed for real. Synchronised by polling the shared state under its lock (with a
/// deadline), never by sleeping.
pub fn forced_spurious_wakeup(rule: Rule) -> Spurious {
    let shared = Arc::new((Mutex::new(Slot::default()), Condvar::new()));
    let consumer = {
        let shared = shared.clone();
        thread::spawn(move || {
            let (lock, cv) = &*shared;
            let mut s = lock.lock().unwrap();
            match rule {
                Rule::While => {
                    while s.item.is_none() {
                        s.waiting = true;
                        s = cv.wait(s).unwrap();
                        s.waiting = false;
                        if s.item.is_none() {
                            s.futile += 1;
                        }
                    }
                }
                Rule::If => {
                    if s.item.is_none() {
                        s.waiting = true;
                        s = cv.wait(s).unwrap();
                        s.waiting = false;
                        if s.item.is_none() {
                            s.futile += 1;
                        }
                    }
                }
            }
            let took = s.item.take(); // Rule::If: may be None — the bug
            s.done = true;
            (took, s.futile)
        })
    };
    let (lock, cv) = &*shared;
    // The consumer sets `waiting` and then waits, which releases the lock: once we hold
    // the lock and see `waiting`, it is asleep in `wait`.
    wait_until(lock, |s| s.waiting || s.done);
    cv.notify_all(); // nothing was pushed: a wake-up with no reason
    if rule == Rule::While {
        wait_until(lock, |s| (s.futile > 0 && s.waiting) || s.done);
        lock.lock().unwrap().item = Some(42);
        cv.notify_all();
    }
    let (took, futile_wakeups) = consumer.join().expect("the consumer panicked");
    Spurious {
        rule,
        took,
        futile_wakeups,
    }
}

/// Polls `cond` under `lock` until it holds, yielding the thread in between.
///
/// # Panics
/// After 10 s: the scene is stuck, which is a bug in it.
fn wait_until(lock: &Mutex<Slot>, cond: impl Fn(&Slot) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond(&lock.lock().unwrap()) {
        assert!(
            Instant::now() < deadline,
            "the spurious wake-up scene is stuck"
        );
        thread::yield_now();
    }
}
