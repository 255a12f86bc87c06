//! `RwLock<T>`: many readers or one writer, fair between them.
//!
//! ```no_run
//! use spindle::sync::RwLock;
//! # async fn demo() {
//! let config = RwLock::new(String::from("v1"));
//! let len = config.read().await.len();
//! *config.write().await = format!("v{}", len + 1);
//! # }
//! # fn main() {}
//! ```
//!
//! ## The algorithm and its policy
//! A semaphore of [`MAX_READS`] permits guards an `UnsafeCell<T>` (tokio's `RwLock` is
//! built the same way). A reader takes one permit, a writer takes all of them.
//!
//! **Policy: phase-fair FIFO, no writer starvation.** Lock requests are served strictly
//! in arrival order. A writer at the head of the queue collects each permit a departing
//! reader returns and keeps it, so the readers that arrive after the writer queue behind
//! it rather than joining the readers already inside: once a writer waits, no new reader
//! gets in ahead of it, and it runs as soon as the current readers leave. Readers that
//! queue behind one writer all enter together when it unlocks. The price is that a
//! read-heavy workload pays a short stall each time a writer arrives; the benefit is that
//! neither side can starve the other. (`std::sync::RwLock` leaves the policy to the OS;
//! glibc's default prefers readers and can starve writers.)
//!
//! ## Cancellation
//! `read`, `write` and their owned forms are cancel-safe: a dropped request leaves the
//! queue and returns any permits it had collected (a writer's partial grant), which lets
//! the readers queued behind it in.

use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};

use super::batch_semaphore::BatchSemaphore;
use super::mutex::TryLockError;
// The public API takes `std`'s `Arc` (users hand us theirs), also under loom.
use std::sync::Arc;

/// Most readers that can hold the lock at once.
pub const MAX_READS: u32 = u32::MAX >> 3;

/// An async reader-writer lock: many readers or one writer.
///
/// ```no_run
/// use spindle::sync::RwLock;
/// # async fn demo() {
/// let config = RwLock::new(String::from("v1"));
/// let len = config.read().await.len();
/// *config.write().await = format!("v{}", len + 1);
/// # }
/// # fn main() {}
/// ```
///
/// **Policy: FIFO, no writer starvation.** Requests are served in arrival order. Once a
/// writer waits, readers that arrive after it queue behind it instead of joining the
/// readers already inside; the writer runs as soon as those readers leave, then the
/// readers queued behind it enter together. Neither side can starve the other; the price
/// is that readers pause briefly whenever a writer arrives.
///
/// **Cancellation:** `read`, `write`, `read_owned` and `write_owned` are cancel-safe. A
/// dropped request leaves the queue and gives back anything it had collected (a waiting
/// writer's partial grant), which lets the readers queued behind it in.
pub struct RwLock<T> {
    sem: BatchSemaphore,
    // std's cell: see the comment on `Mutex::data`.
    data: UnsafeCell<T>,
}

// SAFETY: a writer gets `&mut T` (needs `T: Send` to move across threads); readers on
// several threads share `&T` at once (needs `T: Sync`), as for `std::sync::RwLock`.
unsafe impl<T: Send> Send for RwLock<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

/// Shared access to an [`RwLock`]; releases its read permit on drop.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
}

/// Exclusive access to an [`RwLock`]; releases on drop.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
}

/// Shared access to an `Arc<RwLock<T>>`, with no borrow.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T> {
    lock: Arc<RwLock<T>>,
}

/// Exclusive access to an `Arc<RwLock<T>>`, with no borrow.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T> {
    lock: Arc<RwLock<T>>,
}

// SAFETY: a read guard is a `&T`, so it may be shared when `T: Sync`; `RwLock<T>: Sync`
// already demands that.
unsafe impl<T: Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: a write guard is a `&mut T`, shareable as `&T` when `T: Sync`.
unsafe impl<T: Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: as for the borrowed guards.
unsafe impl<T: Sync> Sync for OwnedRwLockReadGuard<T> {}
// SAFETY: as for the borrowed guards.
unsafe impl<T: Sync> Sync for OwnedRwLockWriteGuard<T> {}

const WRITE: usize = MAX_READS as usize;

impl<T> RwLock<T> {
    /// A new, unlocked lock holding `value`.
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            sem: BatchSemaphore::new(WRITE),
            data: UnsafeCell::new(value),
        }
    }

    async fn acquire(&self, n: usize) {
        self.sem
            .acquire(n)
            .await
            .unwrap_or_else(|_| unreachable!("an RwLock's semaphore is never closed"));
    }

    /// Waits for shared access.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        RwLockReadGuard { lock: self }
    }

    /// Waits for exclusive access.
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(WRITE).await;
        RwLockWriteGuard { lock: self }
    }

    /// Waits for shared access to a shared lock; the guard owns an `Arc`.
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard { lock: self }
    }

    /// Waits for exclusive access to a shared lock; the guard owns an `Arc`.
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(WRITE).await;
        OwnedRwLockWriteGuard { lock: self }
    }

    /// Shared access if available now (fails if a writer holds the lock or waits).
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.sem
            .try_acquire(1)
            .map(|()| RwLockReadGuard { lock: self })
            .map_err(|_| TryLockError::held())
    }

    /// Exclusive access if available now.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.sem
            .try_acquire(WRITE)
            .map(|()| RwLockWriteGuard { lock: self })
            .map_err(|_| TryLockError::held())
    }

    /// The value, through exclusive access (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Consumes the lock, returning the value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<'a, T> RwLockWriteGuard<'a, T> {
    /// Turns exclusive access into shared access without letting a writer in between:
    /// keeps one permit and returns the rest, which admits the queued readers.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let lock = self.lock;
        std::mem::forget(self);
        lock.sem.release(WRITE - 1);
        RwLockReadGuard { lock }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

/// Implements `Deref`, `Debug` and the releasing `Drop` for one guard type; `$permits`
/// is how many permits the guard holds.
macro_rules! guard_impls {
    ($guard:ident [$($lt:lifetime)?], $permits:expr) => {
        impl<$($lt,)? T> Deref for $guard<$($lt,)? T> {
            type Target = T;
            fn deref(&self) -> &T {
                // SAFETY: the guard holds permits of the lock: a read guard one of many
                // (no writer holds any), a write guard all of them (nobody else holds
                // any). Either way no `&mut T` exists elsewhere.
                unsafe { &*self.lock.data.get() }
            }
        }
        impl<$($lt,)? T> Drop for $guard<$($lt,)? T> {
            fn drop(&mut self) {
                self.lock.sem.release($permits);
            }
        }
        impl<$($lt,)? T: fmt::Debug> fmt::Debug for $guard<$($lt,)? T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }
    };
}

guard_impls!(RwLockReadGuard['a], 1);
guard_impls!(RwLockWriteGuard['a], WRITE);
guard_impls!(OwnedRwLockReadGuard[], 1);
guard_impls!(OwnedRwLockWriteGuard[], WRITE);

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: a write guard holds every permit, so this is the only reference to
        // the data, and `&mut self` keeps it unique.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `RwLockWriteGuard`.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}
