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
//! 2. The `leave` that reaches zero, if it sees `waiting`, takes the registered waker
//!    under the lock and wakes it. A waiter stores its waker under the lock, *then* sets
//!    `waiting`, *then* re-checks the count. This is a Dekker pair (decrement count, read
//!    waiting / set waiting, read count), and every access in it is a read-modify-write
//!    (AcqRel): RMWs of one location are totally ordered, and each reads the previous
//!    one's write. If the leaver's RMW on `waiting` comes first, it reads `false` — and
//!    the waiter's later RMW on `waiting` reads from it, so the leaver's decrement
//!    happens-before the waiter's re-check, which sees zero. Otherwise the leaver reads
//!    `true`, and locking after the waiter unlocked, finds its waker. No lost wakeup.
//!    (Plain SeqCst loads and stores would also do in the C++ model, but loom checks
//!    SeqCst only as AcqRel and reports the deadlock: the RMW form is the one it can
//!    verify.) When nobody waits, the last `leave` takes no lock.
//! 3. `leave` publishes with Release and `is_done` reads with Acquire: everything a job
//!    wrote (its result, a recorded panic) is visible to the owner once it saw zero.

use crate::loom::lock;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Waker;

/// Holds one count of a latch ([`CountLatch::arrive`] when created) and gives it back
/// ([`CountLatch::leave`]) when dropped: invariant 1 as a type.
pub(crate) struct Arrival(Arc<CountLatch>);

impl Arrival {
    /// Takes one count of `latch`.
    pub(crate) fn new(latch: Arc<CountLatch>) -> Arrival {
        latch.arrive();
        Arrival(latch)
    }
}

impl Drop for Arrival {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// Counts outstanding jobs and wakes one waiter when they are all done.
pub(crate) struct CountLatch {
    count: AtomicUsize,
    /// Set (SeqCst) once a waker is registered; lets the last `leave` skip the lock in
    /// the common case where the owner never had to wait (a `join` whose second half
    /// was not stolen).
    waiting: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl CountLatch {
    /// A latch with nothing outstanding.
    pub(crate) fn new() -> CountLatch {
        CountLatch {
            count: AtomicUsize::new(0),
            waiting: AtomicBool::new(false),
            waker: Mutex::new(None),
        }
    }

    /// One more job outstanding.
    pub(crate) fn arrive(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// One job finished (or was dropped unrun). Wakes the waiter on the last one.
    pub(crate) fn leave(&self) {
        // Both reads of the Dekker pair are read-modify-writes (see invariant 2).
        if self.count.fetch_sub(1, Ordering::AcqRel) == 1
            && self.waiting.fetch_or(false, Ordering::AcqRel)
        {
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
        self.waiting.swap(true, Ordering::AcqRel);
        self.count.fetch_add(0, Ordering::AcqRel) == 0
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
            // The job threads are not joined: loom's `JoinHandle::join` treats the late
            // `unpark` that a waker may still deliver as an error, while std ignores it.
            // loom runs every spawned thread to completion anyway.
            for _ in 0..2 {
                let (latch, written) = (latch.clone(), written.clone());
                thread::spawn(move || {
                    written.fetch_add(1, Ordering::Relaxed);
                    latch.leave();
                });
            }
            let waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
            if !latch.register(&waker) {
                while !latch.is_done() {
                    thread::park();
                }
            }
            assert_eq!(written.load(Ordering::Relaxed), 2);
        });
    }
}
