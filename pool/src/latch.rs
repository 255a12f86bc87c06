//! A count latch: "tell me when every job I started has finished".
//!
//! `scope` and `join` create one [`CountLatch`] each. Every job they hand to the pool
//! holds one count ([`CountLatch::arrive`] when created, [`CountLatch::leave`] when run
//! *or dropped*); the owner waits until the count is zero. The waiting is done by
//! `wait.rs`: a pool worker keeps running other jobs and sleeps through `sleep.rs` when
//! there are none; any other thread parks. Either way the waiter registers a [`Waker`]
//! here, and the job that brings the count to zero wakes it (rayon's `CountLatch` plays
//! the same role; the waker makes one latch serve both kinds of waiter).
//!
//! ## States
//! `count > 0` (jobs outstanding) → `count == 0` (done; final — the owner stops using the
//! latch once it saw zero, and nothing increments afterwards).
//!
//! ## Invariants
//! 1. Every `arrive` is matched by exactly one `leave` (the `Arrival` guard's `Drop`).
//! 2. The `leave` that reaches zero takes the registered waker under the lock and wakes
//!    it. A waiter registers under the same lock *then* re-checks the count; so either
//!    the waker was there when the last `leave` looked (it is woken), or the last
//!    `leave` happened before the registration (the re-check sees zero). No lost wakeup;
//!    the loom models below check both orders.
//! 3. `leave` publishes with Release and `is_done` reads with Acquire: everything a job
//!    wrote (its result, a recorded panic) is visible to the owner once it saw zero.

use crate::loom::lock;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use std::task::Waker;

/// Counts outstanding jobs and wakes one waiter when they are all done.
pub(crate) struct CountLatch {
    count: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

impl CountLatch {
    /// A latch with nothing outstanding.
    pub(crate) fn new() -> CountLatch {
        CountLatch {
            count: AtomicUsize::new(0),
            waker: Mutex::new(None),
        }
    }

    /// One more job outstanding.
    pub(crate) fn arrive(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// One job finished (or was dropped unrun). Wakes the waiter on the last one.
    pub(crate) fn leave(&self) {
        if self.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            let waker = lock(&self.waker).take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Whether every job has finished.
    pub(crate) fn is_done(&self) -> bool {
        self.count.load(Ordering::Acquire) == 0
    }

    /// Registers the waiter's waker; returns `true` if the latch is already done (then no
    /// wakeup will come and none is needed).
    pub(crate) fn register(&self, waker: &Waker) -> bool {
        let mut slot = lock(&self.waker);
        match &*slot {
            Some(old) if old.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
        drop(slot);
        self.is_done()
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::CountLatch;
    use crate::loom::sync::Arc;
    use crate::loom::sync::atomic::{AtomicUsize, Ordering};
    use crate::loom::thread;
    use std::task::{Wake, Waker};

    /// A waker that unparks a loom thread.
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }

    /// Two jobs leave while the owner registers and parks: the owner always wakes up
    /// (loom reports a deadlock otherwise) and sees both jobs' writes.
    #[test]
    fn loom_latch_last_leave_wakes_parked_owner() {
        loom::model(|| {
            let latch = Arc::new(CountLatch::new());
            let written = Arc::new(AtomicUsize::new(0));
            latch.arrive();
            latch.arrive();
            let jobs: Vec<_> = (0..2)
                .map(|_| {
                    let (latch, written) = (latch.clone(), written.clone());
                    thread::spawn(move || {
                        written.fetch_add(1, Ordering::Relaxed);
                        latch.leave();
                    })
                })
                .collect();
            let waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
            if !latch.register(&waker) {
                while !latch.is_done() {
                    thread::park();
                }
            }
            assert_eq!(written.load(Ordering::Relaxed), 2);
            for j in jobs {
                j.join().unwrap();
            }
        });
    }
}
