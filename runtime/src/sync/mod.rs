//! Async synchronisation: channels, locks, and signals that work on any executor.
//!
//! Everything here talks to the outside world only through `std::task::Waker`, so these
//! primitives run on spindle's runtime, on another executor, or under a hand-written
//! `block_on`. On spindle's runtime each leaf future also spends one unit of the
//! cooperative budget (`crate::coop`), so a task looping on an always-ready channel
//! still yields to its neighbours.
//!
//! | type | what it is for |
//! |---|---|
//! | [`oneshot`] | one value, once (a reply slot) |
//! | [`mpsc`] | many producers, one consumer; bounded (backpressure) or unbounded |
//! | [`broadcast`] | every receiver sees every value; slow receivers are told how much they missed |
//! | [`watch`] | the latest value of something, and a signal when it changes |
//! | [`Mutex`], [`RwLock`] | exclusive / shared access whose guard may live across `.await` |
//! | [`Semaphore`] | limit concurrency to `n` permits |
//! | [`Notify`] | wake one task or all of them, with no data |
//! | [`Barrier`] | `n` tasks wait for each other |
//!
//! ## One foundation
//! Every primitive that makes futures wait parks them in the same structure, a FIFO
//! `WaitList` (`wait_list.rs`: a slab threaded into a doubly linked list by index, behind a
//! `Mutex`), and wakes them after releasing that lock (`WakeBatch`). The
//! batch semaphore (`batch_semaphore.rs`) adds a lock-free permit counter in front of it,
//! and `Mutex`, `RwLock` and the bounded `mpsc` are semaphores with data attached, as in
//! tokio. `oneshot` needs no queue (one waiter per side) and is a lock-free state
//! machine.
//!
//! ## Cancellation
//! Dropping a waiting future removes it from its queue and passes on anything it had
//! already been given (permits, a `notify_one` notification, a lock). Each type's docs say
//! which of its operations are cancel-safe; `docs/sync-cancellation.md` has the table.

pub(crate) mod batch_semaphore;
#[cfg(not(loom))]
pub(crate) mod blocking;
pub(crate) mod wait_list;
pub(crate) mod wake_batch;

mod barrier;
mod mutex;
mod notify;
mod rwlock;
mod semaphore;

pub mod broadcast;
pub mod mpsc;
pub mod oneshot;
pub mod watch;

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult};
pub use mutex::{Mutex, MutexGuard, OwnedMutexGuard, TryLockError};
pub use notify::{Notified, Notify};
pub use rwlock::{
    MAX_READS, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard,
    RwLockWriteGuard,
};
pub use semaphore::{
    Acquire, AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};

#[cfg(all(test, not(loom)))]
pub(crate) mod test_support;

#[cfg(all(test, not(loom)))]
mod lock_tests;
