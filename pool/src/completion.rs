//! The result hand-off between a spawned job and its `JobHandle`.
//!
//! A [`Completion`] is shared (in an `Arc`) by the job, which [`complete`](Completion::complete)s it once, and
//! the handle, which either blocks in `join` or polls it as a future. Both sides go
//! through one mutex, so the protocol is short enough to state in full:
//!
//! | state            | `result`  | `finished` | who moves it on                         |
//! |------------------|-----------|------------|-----------------------------------------|
//! | Running          | `None`    | false      | the job: stores the result (Finished)    |
//! | Finished         | `Some(r)` | true       | the handle: takes `r` (Taken)            |
//! | Taken            | `None`    | true       | nobody (final)                           |
//!
//! Invariants:
//! 1. `complete` stores the result and takes the registered waker in ONE critical
//!    section, then wakes outside the lock. `register`/`poll` store the waker and look at
//!    the result in ONE critical section. So "not done yet" and "store the waker" cannot
//!    be split by a completion: either the job sees the waker, or the handle sees the
//!    result (the lost-wakeup race of every future; loom models below).
//! 2. Each poll replaces the waker unless `will_wake` says it is the same one, so the
//!    latest task to poll is the one woken (the `Future` contract).
//! 3. `finished` is a lock-free hint for `is_finished`; it is set (Release) in the same
//!    critical section that stores the result.
//!
//! A plain mutex instead of tokio's packed state word keeps the crate free of `unsafe`;
//! the cost is two uncontended lock/unlock pairs per job (~40 ns).

use crate::handle::JobError;
use crate::loom::lock;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    result: Option<Result<T, JobError>>,
    waker: Option<Waker>,
}

/// The shared cell between a job and its handle.
pub(crate) struct Completion<T> {
    slot: Mutex<Slot<T>>,
    finished: AtomicBool,
}

impl<T> Completion<T> {
    /// A cell in the Running state.
    pub(crate) fn new() -> Completion<T> {
        Completion {
            slot: Mutex::new(Slot {
                result: None,
                waker: None,
            }),
            finished: AtomicBool::new(false),
        }
    }

    /// Stores the job's result and wakes the waiter, if one registered (invariant 1).
    pub(crate) fn complete(&self, result: Result<T, JobError>) {
        let waker = {
            let mut slot = lock(&self.slot);
            slot.result = Some(result);
            self.finished.store(true, Ordering::Release);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether the job has finished (its result may already have been taken).
    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// Registers a waker for a blocking waiter; returns `true` if the result is already
    /// there (then no wakeup will come and none is needed).
    pub(crate) fn register(&self, waker: &Waker) -> bool {
        let mut slot = lock(&self.slot);
        if slot.result.is_some() {
            return true;
        }
        match &slot.waker {
            Some(old) if old.will_wake(waker) => {}
            _ => slot.waker = Some(waker.clone()),
        }
        false
    }

    /// Takes the result after the waiter saw the job finished.
    pub(crate) fn take(&self) -> Option<Result<T, JobError>> {
        lock(&self.slot).result.take()
    }

    /// The `Future::poll` of a `JobHandle` (invariants 1 and 2).
    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<Result<T, JobError>> {
        let mut slot = lock(&self.slot);
        if let Some(result) = slot.result.take() {
            return Poll::Ready(result);
        }
        assert!(
            !self.finished.load(Ordering::Acquire),
            "JobHandle polled after it returned Poll::Ready; a future must not be polled again after completion"
        );
        match &slot.waker {
            Some(old) if old.will_wake(cx.waker()) => {}
            _ => slot.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::Completion;
    use crate::loom::sync::Arc;
    use crate::loom::thread;
    use std::future::poll_fn;
    use std::task::{Wake, Waker};

    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }

    /// The job completes while the handle's owner registers and parks (blocking join).
    #[test]
    fn loom_completion_blocking_join() {
        loom::model(|| {
            let cell = Arc::new(Completion::<usize>::new());
            // Not joined: see the latch model (a late `unpark` upsets loom's `join`).
            {
                let cell = cell.clone();
                thread::spawn(move || cell.complete(Ok(7)));
            }
            let waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
            if !cell.register(&waker) {
                while !cell.is_finished() {
                    thread::park();
                }
            }
            assert_eq!(cell.take().unwrap().ok(), Some(7));
        });
    }

    /// The job completes while the handle is polled as a future by an executor (loom's
    /// `block_on`, whose waker is a loom-visible notification).
    #[test]
    fn loom_completion_future_waker() {
        loom::model(|| {
            let cell = Arc::new(Completion::<usize>::new());
            let job = {
                let cell = cell.clone();
                thread::spawn(move || cell.complete(Ok(9)))
            };
            let out = loom::future::block_on(poll_fn(|cx| cell.poll(cx)));
            assert_eq!(out.ok(), Some(9));
            job.join().unwrap();
        });
    }
}
