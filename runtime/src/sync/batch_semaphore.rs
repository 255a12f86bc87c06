//! The fair counting semaphore that `Semaphore`, `Mutex`, `RwLock` and the bounded
//! `mpsc` channel are built on.
//!
//! A *batch* semaphore lets one acquire take several permits at once (`RwLock::write`
//! takes all of them). The design follows tokio's `sync/batch_semaphore.rs`; the code is
//! ours and trades its intrusive list for the slab [`WaitList`].
//!
//! ## State
//! One atomic word: `permits << 2 | WAITERS | CLOSED`.
//! - `permits`: permits nobody holds and no waiter has been promised.
//! - `WAITERS`: the waiter queue is non-empty. Set and cleared only while holding the
//!   waiter lock.
//! - `CLOSED`: [`BatchSemaphore::close`] was called; new acquires fail.
//!
//! ## Invariant: `WAITERS` set ⇒ `permits == 0`
//! Released permits go to queued waiters first (in FIFO order, the head may be given
//! part of what it asked for and keep waiting for the rest); only what is left once the
//! queue is empty returns to the word. A new arrival therefore never overtakes a queued
//! waiter (*no barging*), which is what makes `Mutex` FIFO-fair and keeps a writer of an
//! `RwLock` from being starved by a stream of readers: the writer's partial grant holds
//! the permits the readers would need.
//!
//! ## Lock-free fast paths
//! - acquire: a compare-exchange taking `n` permits when `permits >= n` (which, by the
//!   invariant, also means nobody is queued);
//! - release: a compare-exchange adding `n` when `WAITERS` is clear.
//!
//! Both fail over to the lock, and the lock holder publishes `WAITERS` with a
//! compare-exchange on the same word, so a fast release either happened before the
//! enqueuer read the word (the enqueuer sees its permits) or sees `WAITERS` and takes
//! the slow path (the permits go to the queue). No release is lost.
//!
//! ## Cancellation
//! Dropping an [`Acquire`] removes its waiter and releases whatever it was already
//! granted (a partial grant, or a full grant it never observed) to the next waiters, so
//! permits are never leaked and a dropped waiter never blocks the ones behind it.

use crate::wait::Wait;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use super::wait_list::{Key, WaitList};
use super::wake_batch::WakeBatch;
use crate::coop;
use crate::loom::sync::atomic::AtomicUsize;
use crate::loom::sync::atomic::Ordering::{AcqRel, Acquire as AcquireOrd};
use crate::loom::sync::{Mutex, MutexGuard};

const CLOSED: usize = 0b01;
const WAITERS: usize = 0b10;
const SHIFT: usize = 2;

/// Most permits a semaphore can hold (the word keeps two flag bits, and one spare bit
/// keeps `permits + n` from overflowing before the bound check).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> (SHIFT + 1);

/// A fair, batch-acquiring async semaphore; see the module docs.
pub(crate) struct BatchSemaphore {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
}

struct Waiter {
    waker: Option<Waker>,
    /// Permits still owed. `0` once fully granted; `> 0` in an unlinked slot means the
    /// semaphore was closed.
    remaining: usize,
}

/// Why an acquire did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TryAcquireError {
    Closed,
    NoPermits,
}

/// The semaphore was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

/// Locks a waiter list. A panic never leaves the list half-updated (every update is a
/// single call into `WaitList`), so a poisoned lock is safe to keep using.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl BatchSemaphore {
    pub(crate) fn new(permits: usize) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore holds at most {MAX_PERMITS} permits; asked for {permits}"
        );
        BatchSemaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    pub(crate) fn available_permits(&self) -> usize {
        self.state.load(AcquireOrd) >> SHIFT
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(AcquireOrd) & CLOSED != 0
    }

    /// Takes `n` permits now, or fails.
    #[inline]
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut state = self.state.load(AcquireOrd);
        loop {
            if state & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if state >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            match self
                .state
                .compare_exchange_weak(state, state - (n << SHIFT), AcqRel, AcquireOrd)
            {
                Ok(_) => return Ok(()),
                Err(actual) => state = actual,
            }
        }
    }

    /// A future that takes `n` permits, waiting in FIFO order.
    #[inline]
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            sem: self,
            needed: n,
            key: None,
            done: false,
            wait: Wait::SemaphoreAcquire(0),
        }
    }

    /// Returns `n` permits: to queued waiters first, the rest to the word.
    #[inline]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut state = self.state.load(AcquireOrd);
        while state & WAITERS == 0 {
            let permits = state >> SHIFT;
            assert!(
                permits + n <= MAX_PERMITS,
                "a semaphore holds at most {MAX_PERMITS} permits; adding {n} to {permits} overflows"
            );
            match self
                .state
                .compare_exchange_weak(state, state + (n << SHIFT), AcqRel, AcquireOrd)
            {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
        let list = lock(&self.waiters);
        self.release_locked(n, list);
    }

    /// Hands `n` permits to the queue head(s) while holding the waiter lock, returns
    /// leftovers to the word (clearing `WAITERS` if the queue drained), then wakes the
    /// waiters that were fully granted, after unlocking.
    fn release_locked(&self, mut n: usize, mut list: MutexGuard<'_, WaitList<Waiter>>) {
        let mut wake = WakeBatch::new();
        while n > 0 {
            let Some(front) = list.front() else { break };
            let waiter = list.get_mut(front);
            let give = n.min(waiter.remaining);
            waiter.remaining -= give;
            n -= give;
            if waiter.remaining == 0 {
                wake.push(waiter.waker.take());
                list.pop_front();
            }
        }
        if list.is_empty() {
            let mut state = self.state.load(AcquireOrd);
            loop {
                let permits = state >> SHIFT;
                assert!(
                    permits + n <= MAX_PERMITS,
                    "a semaphore holds at most {MAX_PERMITS} permits; adding {n} to {permits} overflows"
                );
                let next = (state & !WAITERS) + (n << SHIFT);
                match self
                    .state
                    .compare_exchange_weak(state, next, AcqRel, AcquireOrd)
                {
                    Ok(_) => break,
                    Err(actual) => state = actual,
                }
            }
        }
        drop(list);
        wake.wake_all();
    }

    /// Closes the semaphore: pending and future acquires fail. Permits already held stay
    /// valid and may still be released.
    pub(crate) fn close(&self) {
        let mut list = lock(&self.waiters);
        self.state.fetch_or(CLOSED, AcqRel);
        let mut wake = WakeBatch::new();
        while let Some(key) = list.pop_front() {
            wake.push(list.get_mut(key).waker.take());
        }
        self.state.fetch_and(!WAITERS, AcqRel);
        drop(list);
        wake.wake_all();
    }
}

/// Waits for permits of a [`BatchSemaphore`]. Resolves to `Err(Closed)` if the semaphore
/// is closed first. Cancel-safe: see the module docs.
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Acquire<'a> {
    sem: &'a BatchSemaphore,
    needed: usize,
    /// The waiter slot while queued.
    key: Option<Key>,
    done: bool,
    /// What the task dump says this acquire waits on (`Mutex::lock` for a mutex).
    wait: Wait,
}

impl Acquire<'_> {
    /// Names what a task parked here waits on, in the task dump (crate::wait).
    pub(crate) fn describing(mut self, wait: Wait) -> Self {
        self.wait = wait;
        self
    }
}

impl Acquire<'_> {
    /// First poll: the lock-free fast path, else join the queue.
    #[inline]
    fn poll_first(&mut self, waker: &Waker) -> Poll<Result<(), Closed>> {
        match self.sem.try_acquire(self.needed) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(TryAcquireError::Closed) => Poll::Ready(Err(Closed)),
            Err(TryAcquireError::NoPermits) => self.enqueue(waker),
        }
    }

    /// Slow path of the first poll: under the lock, take what is free as a partial
    /// grant and queue for the rest (or, if permits came back meanwhile, finish).
    fn enqueue(&mut self, waker: &Waker) -> Poll<Result<(), Closed>> {
        let mut list = lock(&self.sem.waiters);
        let mut state = self.sem.state.load(AcquireOrd);
        loop {
            if state & CLOSED != 0 {
                return Poll::Ready(Err(Closed));
            }
            let permits = state >> SHIFT;
            if state & WAITERS == 0 && permits >= self.needed {
                // Permits came back between the fast path and the lock.
                let next = state - (self.needed << SHIFT);
                match self
                    .sem
                    .state
                    .compare_exchange(state, next, AcqRel, AcquireOrd)
                {
                    Ok(_) => return Poll::Ready(Ok(())),
                    Err(actual) => {
                        state = actual;
                        continue;
                    }
                }
            }
            // Take what is there as a partial grant and announce the queue, in one step.
            let next = (state & CLOSED) | WAITERS;
            match self
                .sem
                .state
                .compare_exchange(state, next, AcqRel, AcquireOrd)
            {
                Ok(_) => {
                    let remaining = self.needed - permits;
                    self.key = Some(list.push_back(Waiter {
                        waker: Some(waker.clone()),
                        remaining,
                    }));
                    return Poll::Pending;
                }
                Err(actual) => state = actual,
            }
        }
    }

    /// Later polls: granted (unlinked, nothing owed), closed (unlinked, still owed), or
    /// still queued (refresh the waker).
    fn poll_queued(&mut self, key: Key, waker: &Waker) -> Poll<Result<(), Closed>> {
        let mut list = lock(&self.sem.waiters);
        if list.is_linked(key) {
            let slot = &mut list.get_mut(key).waker;
            if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *slot = Some(waker.clone());
            }
            return Poll::Pending;
        }
        let waiter = list.remove(key);
        self.key = None;
        if waiter.remaining == 0 {
            return Poll::Ready(Ok(()));
        }
        // Closed while partly granted: give the part back.
        let granted = self.needed - waiter.remaining;
        self.sem.release_locked(granted, list);
        Poll::Ready(Err(Closed))
    }
}

impl Future for Acquire<'_> {
    type Output = Result<(), Closed>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(!self.done, "Acquire polled after it completed");
        let mut coop = ready!(coop::poll_proceed(cx));
        let result = match self.key {
            None => self.poll_first(cx.waker()),
            Some(key) => self.poll_queued(key, cx.waker()),
        };
        if result.is_ready() {
            self.done = true;
            coop.made_progress();
        } else {
            crate::wait::set(self.wait);
        }
        result
    }
}

impl Drop for Acquire<'_> {
    #[inline]
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut list = lock(&self.sem.waiters);
        let waiter = list.remove(key);
        // Partial or full grant we will never use: pass it on. Also clears `WAITERS`
        // if we were the last waiter.
        self.sem
            .release_locked(self.needed - waiter.remaining, list);
    }
}

impl fmt::Debug for BatchSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("needed", &self.needed)
            .field("queued", &self.key.is_some())
            .finish()
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::sync::Arc;
    use crate::loom::thread;

    #[test]
    fn loom_semaphore_acquire_release() {
        ::loom::model(|| {
            let sem = Arc::new(BatchSemaphore::new(1));
            let s2 = sem.clone();
            let t = thread::spawn(move || {
                ::loom::future::block_on(s2.acquire(1)).unwrap();
                s2.release(1);
            });
            ::loom::future::block_on(sem.acquire(1)).unwrap();
            sem.release(1);
            t.join().unwrap();
            assert_eq!(sem.available_permits(), 1);
        });
    }

    #[test]
    fn loom_semaphore_cancelled_acquire_returns_permits() {
        ::loom::model(|| {
            let sem = Arc::new(BatchSemaphore::new(1));
            sem.try_acquire(1).unwrap();
            let s2 = sem.clone();
            // A waiter that polls once, then gives up, racing the release.
            let t = thread::spawn(move || {
                let mut acq = Box::pin(s2.acquire(1));
                let polled = acq.as_mut().poll(&mut Context::from_waker(Waker::noop()));
                drop(acq);
                if polled.is_ready() {
                    s2.release(1); // it won the permit outright: done with it
                }
            });
            sem.release(1);
            t.join().unwrap();
            // Whether the waiter was granted the permit or not, it came back.
            assert_eq!(sem.available_permits(), 1);
            assert!(sem.try_acquire(1).is_ok());
        });
    }

    #[test]
    fn loom_semaphore_close_wakes_waiter() {
        ::loom::model(|| {
            let sem = Arc::new(BatchSemaphore::new(0));
            let s2 = sem.clone();
            let t = thread::spawn(move || ::loom::future::block_on(s2.acquire(1)));
            sem.close();
            assert_eq!(t.join().unwrap(), Err(Closed));
        });
    }
}
