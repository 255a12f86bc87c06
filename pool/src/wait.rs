//! How a thread waits for something the pool will do (a latch, a job's result).
//!
//! Two kinds of waiter, one interface:
//! - a **pool worker** must not simply block: on a pool of one thread, the job it waits
//!   for may be sitting in its own deque. It keeps running jobs of its pool until the
//!   condition holds, and sleeps through the sleep protocol when there are none, with a
//!   waker that targets it (`Sleep::wake_specific`). This is rayon's "work while you
//!   wait" (`WorkerThread::wait_until`).
//! - **any other thread** registers a waker that unparks it, and parks — no spinning.
//!
//! The condition's owner (`CountLatch`, `Completion`) stores the waker with
//! `register`, which re-checks the condition under its lock and returns `true` if it
//! already holds; see those modules for why no wakeup can be lost in between.

use crate::worker::WorkerThread;
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::thread::{self, Thread};

/// Unparks one thread.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Returns once `done()` holds. `register(waker)` stores the waker that the event behind
/// `done` will wake, and returns `true` if `done()` already holds.
pub(crate) fn wait_until(done: &dyn Fn() -> bool, register: &dyn Fn(&Waker) -> bool) {
    if done() {
        return;
    }
    match WorkerThread::current() {
        Some(worker) => {
            if !register(worker.waker()) {
                worker.wait_until(done);
            }
        }
        None => {
            let waker = Waker::from(Arc::new(Unpark(thread::current())));
            if register(&waker) {
                return;
            }
            // `park` may return spuriously (or for an older unpark): re-check each time.
            while !done() {
                thread::park();
            }
        }
    }
}
