//! `Semaphore`: a counting semaphore with fair (FIFO) async acquire.
//!
//! The machinery (state word, waiter queue, fast paths, cancellation) lives in
//! [`super::batch_semaphore`]; this file is the public face: permits as
//! RAII guards that give themselves back on drop, and tokio-shaped method names.
//!
//! ```no_run
//! use spindle::sync::Semaphore;
//! # async fn demo() {
//! let sem = Semaphore::new(2); // at most two downloads at once
//! let _permit = sem.acquire().await.unwrap();
//! // ... download ...
//! # }
//! # fn main() {}
//! ```
//!
//! ## Fairness
//! Waiters are served strictly in arrival order, and an `acquire_many(n)` at the head of
//! the queue collects released permits until it has `n`, so small requests behind it
//! wait instead of overtaking it (they would starve it otherwise).
//!
//! ## Cancellation
//! `acquire`, `acquire_many` and `acquire_owned` are cancel-safe: dropping the future
//! before it completes gives back any permits it had already been granted and leaves the
//! queue, so the next waiter is served. You only lose your place in the queue.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::batch_semaphore::{self, BatchSemaphore, MAX_PERMITS, TryAcquireError as RawTry};
// The public API takes `std`'s `Arc` (users hand us theirs), also under loom.
use std::sync::Arc;

/// A counting semaphore: [`acquire`](Semaphore::acquire) waits for a permit.
///
/// ```no_run
/// use spindle::sync::Semaphore;
/// # async fn demo() {
/// let downloads = Semaphore::new(2); // at most two at once
/// let _permit = downloads.acquire().await.unwrap();
/// // ... download; the permit is released when `_permit` drops ...
/// # }
/// # fn main() {}
/// ```
///
/// **Fairness:** waiters are served strictly in arrival order. An `acquire_many(n)` at
/// the head collects released permits until it has `n`, so smaller requests behind it
/// wait instead of starving it.
///
/// **Cancellation:** `acquire`, `acquire_many`, `acquire_owned` and
/// `acquire_many_owned` are cancel-safe: dropping the future before it completes returns
/// any permits it had already been granted (to the next waiters) and leaves the queue.
///
/// **Closing:** [`close`](Semaphore::close) makes pending and later acquires fail with
/// [`AcquireError`]; permits already held stay valid.
pub struct Semaphore {
    raw: BatchSemaphore,
}

/// A held permit of a [`Semaphore`]; dropping it releases the permit(s).
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: u32,
}

/// A held permit of an `Arc<Semaphore>`, with no borrow (it can move into a task).
#[must_use = "the permit is released as soon as it is dropped"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: u32,
}

/// The semaphore was closed while waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquireError(());

/// Why a `try_acquire` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits right now.
    NoPermits,
}

/// The future returned by [`Semaphore::acquire`] and [`Semaphore::acquire_many`].
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    raw: batch_semaphore::Acquire<'a>,
    sem: &'a Semaphore,
    permits: u32,
}

impl Semaphore {
    /// The most permits a semaphore can hold.
    pub const MAX_PERMITS: usize = MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            raw: BatchSemaphore::new(permits),
        }
    }

    /// Permits available right now.
    pub fn available_permits(&self) -> usize {
        self.raw.available_permits()
    }

    /// Adds `n` permits, waking waiters they satisfy.
    ///
    /// # Panics
    /// If the total would exceed [`Semaphore::MAX_PERMITS`].
    pub fn add_permits(&self, n: usize) {
        self.raw.release(n);
    }

    /// Waits for one permit.
    #[inline]
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits, taken all together.
    #[inline]
    pub fn acquire_many(&self, n: u32) -> Acquire<'_> {
        Acquire {
            raw: self.raw.acquire(n as usize),
            sem: self,
            permits: n,
        }
    }

    /// Takes one permit if one is free now.
    #[inline]
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free now.
    #[inline]
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        match self.raw.try_acquire(n as usize) {
            Ok(()) => Ok(SemaphorePermit {
                sem: self,
                permits: n,
            }),
            Err(RawTry::Closed) => Err(TryAcquireError::Closed),
            Err(RawTry::NoPermits) => Err(TryAcquireError::NoPermits),
        }
    }

    /// Waits for one permit of a shared semaphore; the permit owns an `Arc`.
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Waits for `n` permits of a shared semaphore; the permit owns an `Arc`.
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.raw
            .acquire(n as usize)
            .await
            .map_err(|_| AcquireError(()))?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Takes one permit of a shared semaphore if one is free now.
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits of a shared semaphore if they are free now.
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        match self.raw.try_acquire(n as usize) {
            Ok(()) => Ok(OwnedSemaphorePermit {
                sem: self,
                permits: n,
            }),
            Err(RawTry::Closed) => Err(TryAcquireError::Closed),
            Err(RawTry::NoPermits) => Err(TryAcquireError::NoPermits),
        }
    }

    /// Closes the semaphore: every pending and later acquire fails with
    /// [`AcquireError`]. Permits already held stay valid.
    pub fn close(&self) {
        self.raw.close();
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.raw.is_closed()
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        Pin::new(&mut this.raw).poll(cx).map(|r| match r {
            Ok(()) => Ok(SemaphorePermit {
                sem: this.sem,
                permits: this.permits,
            }),
            Err(_) => Err(AcquireError(())),
        })
    }
}

impl SemaphorePermit<'_> {
    /// Keeps the permits taken for good: they are not released on drop.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }
}

impl Drop for SemaphorePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.sem.raw.release(self.permits as usize);
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits taken for good: they are not released on drop.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// The semaphore the permits came from.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }
}

impl Drop for OwnedSemaphorePermit {
    #[inline]
    fn drop(&mut self) {
        self.sem.raw.release(self.permits as usize);
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.raw.fmt(f)
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.raw.fmt(f)
    }
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

#[cfg(all(test, not(loom)))]
#[path = "semaphore_tests.rs"]
mod tests;
