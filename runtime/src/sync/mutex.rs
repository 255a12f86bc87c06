//! `Mutex<T>`: an async mutual-exclusion lock whose guard may be held across `.await`.
//!
//! ```no_run
//! use spindle::sync::Mutex;
//! # async fn demo() {
//! let count = Mutex::new(0);
//! *count.lock().await += 1;
//! # }
//! # fn main() {}
//! ```
//!
//! ## The algorithm
//! A mutex is a semaphore with one permit guarding an `UnsafeCell<T>` (tokio builds its
//! `Mutex` the same way). `lock` acquires the permit; the guard releases it on drop. All
//! of the interesting behaviour comes from the [batch semaphore](super::batch_semaphore):
//! - uncontended lock and unlock are one compare-exchange each, no lock taken;
//! - waiters queue in FIFO order and the permit is *handed* to the head on unlock, so a
//!   newcomer never barges past a waiter: the lock is fair and no waiter starves;
//! - a dropped `lock()` future leaves the queue, and if the permit had already been
//!   handed to it, passes it on to the next waiter.
//!
//! When to prefer `std::sync::Mutex`: when the guard is never held across an `.await`
//! and the critical section is short, a blocking mutex is cheaper. Use this one when the
//! critical section must await (I/O under the lock, a lock that spans a request).
//!
//! ## Cancellation
//! `lock` and `lock_owned` are cancel-safe: dropping the future gives up the place in
//! the queue and nothing else (a lock granted but never observed is passed on).

use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};

use super::batch_semaphore::{BatchSemaphore, TryAcquireError};
// The public API takes `std`'s `Arc` (users hand us theirs), also under loom.
use std::sync::Arc;

/// An async mutual-exclusion lock whose guard may be held across `.await`.
///
/// ```no_run
/// use spindle::sync::Mutex;
/// # async fn demo() {
/// let count = Mutex::new(0);
/// *count.lock().await += 1;
/// # }
/// # fn main() {}
/// ```
///
/// **Fairness:** waiters are served in FIFO order. Unlocking hands the lock straight to
/// the oldest waiter, so a task calling `lock` later cannot barge ahead, and no waiter
/// starves. Uncontended `lock` and unlock are one atomic compare-exchange each.
///
/// **Cancellation:** `lock` and `lock_owned` are cancel-safe. Dropping the future gives up
/// its place in the queue; if the lock had already been handed to it, the lock passes to
/// the next waiter.
///
/// Prefer `std::sync::Mutex` when the guard is never held across an `.await` and the
/// critical section is short: a blocking mutex is cheaper.
pub struct Mutex<T> {
    sem: BatchSemaphore,
    // `std`'s cell, not the loom shim's: the guard hands out `&T`/`&mut T` that live
    // across awaits, which loom's closure-scoped cells cannot express. The semaphore's
    // atomics (which *are* loom's) order every access.
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `T` to one thread at a time, so it can be sent
// and shared whenever `T` can be sent (exactly `std::sync::Mutex`'s bounds).
unsafe impl<T: Send> Send for Mutex<T> {}
// SAFETY: as above; `&Mutex` only gives exclusive `&mut T`, never shared `&T` across
// threads at once.
unsafe impl<T: Send> Sync for Mutex<T> {}

/// Holds the lock of a [`Mutex`]; unlocks on drop.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T> {
    lock: &'a Mutex<T>,
}

/// Holds the lock of an `Arc<Mutex<T>>`, with no borrow (it can move into a task).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T> {
    lock: Arc<Mutex<T>>,
}

// SAFETY: a guard is `&mut T` in disguise: shareable when `T: Sync`.
unsafe impl<T: Sync> Sync for MutexGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for OwnedMutexGuard<T> {}

/// `try_lock` found the mutex locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryLockError(());

impl TryLockError {
    pub(crate) fn held() -> Self {
        TryLockError(())
    }
}

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            sem: BatchSemaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// Waits for the lock (in FIFO order with other waiters).
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.acquire().await;
        MutexGuard { lock: self }
    }

    /// Waits for the lock of a shared mutex; the guard owns an `Arc`.
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.acquire().await;
        OwnedMutexGuard { lock: self }
    }

    /// Locks from non-async code, blocking the thread while waiting. Never call it from
    /// an async task.
    #[cfg(not(loom))]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        crate::sync::blocking::block_on(self.lock())
    }

    /// Takes the lock if it is free now (and nobody is queued for it).
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        self.try_acquire()?;
        Ok(MutexGuard { lock: self })
    }

    /// Takes the lock of a shared mutex if it is free now.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        self.try_acquire()?;
        Ok(OwnedMutexGuard { lock: self })
    }

    /// The value, through exclusive access (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Consumes the mutex, returning the value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    async fn acquire(&self) {
        // The semaphore of a mutex is never closed.
        self.sem
            .acquire(1)
            .describing(crate::wait::Wait::MutexLock)
            .await
            .unwrap_or_else(|_| unreachable!("a Mutex's semaphore is never closed"));
    }

    fn try_acquire(&self) -> Result<(), TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => Ok(()),
            Err(TryAcquireError::NoPermits) => Err(TryLockError(())),
            Err(TryAcquireError::Closed) => unreachable!("a Mutex's semaphore is never closed"),
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit, so no other reference to the
        // data exists; the permit's acquire (AcqRel) ordered the previous holder's
        // writes before this read.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only live reference.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

impl<T> MutexGuard<'_, T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Mutex<T> {
        this.lock
    }
}

impl<T> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: see `MutexGuard::deref`.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: see `MutexGuard::deref_mut`.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

impl<T> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("lock is held")
    }
}

impl std::error::Error for TryLockError {}
