//! A single-value channel: receivers see the *latest* value and can wait for changes.
//!
//! ```no_run
//! use spindle::sync::watch;
//! # async fn demo() {
//! let (tx, mut rx) = watch::channel("starting");
//! tx.send("ready").unwrap();
//! rx.changed().await.unwrap();
//! assert_eq!(*rx.borrow_and_update(), "ready");
//! # }
//! # fn main() {}
//! ```
//!
//! ## Semantics (those of tokio's `watch`)
//! - There is one value; `send` replaces it. Intermediate values may be skipped by a
//!   slow receiver: `watch` is for state ("the current config"), not for a stream of
//!   events (use `mpsc` or `broadcast` for those).
//! - Each receiver remembers the *version* it last saw. [`Receiver::changed`] completes
//!   once a version newer than that exists and marks it seen; [`Receiver::borrow`]
//!   reads without marking, [`Receiver::borrow_and_update`] reads and marks.
//! - A new receiver ([`Sender::subscribe`]) and the initial one start having seen the
//!   current value, so `changed` waits for the next `send`.
//! - Once every sender is gone, `changed` returns `Err(RecvError)` (after reporting a
//!   change the receiver has not seen yet). [`Sender::send`] fails when no receiver
//!   exists, handing the value back; [`Sender::send_replace`] always stores.
//!
//! ## The algorithm
//! The value sits in an `RwLock`, so many receivers can borrow it at once. Beside it, an
//! atomic word `version << 1 | CLOSED`. A send writes the value, bumps the version, and
//! calls [`Notify::notify_waiters`]. `changed` uses the race-free waiting pattern that
//! `Notify` was built for: create the `Notified` future *first*, then compare versions,
//! and only then await it. A send that lands between the check and the await bumps the
//! notify generation the future was created in, so the future completes at once.
//!
//! ## Cancellation
//! `changed` is cancel-safe: if dropped, nothing is marked seen, so the next call still
//! reports the change. `Sender::closed` is cancel-safe.

use std::fmt;
use std::ops::Deref;

use super::Notify;
use crate::coop;
use crate::loom::sync::atomic::AtomicUsize;
use crate::loom::sync::atomic::Ordering::{AcqRel, Acquire, Release};
use crate::loom::sync::{Arc, RwLock, RwLockReadGuard};

const CLOSED: usize = 1;
const VERSION_ONE: usize = 2;

/// Creates a watch channel holding `init`.
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: AtomicUsize::new(0),
        rx_count: AtomicUsize::new(1),
        tx_count: AtomicUsize::new(1),
        changed: Notify::new(),
        rx_gone: Notify::new(),
    });
    let rx = Receiver {
        shared: shared.clone(),
        seen: 0,
    };
    (Sender { shared }, rx)
}

struct Shared<T> {
    value: RwLock<T>,
    /// `version << 1 | CLOSED` (CLOSED: every sender is gone).
    state: AtomicUsize,
    rx_count: AtomicUsize,
    tx_count: AtomicUsize,
    /// Woken (all) on every send and when the last sender goes.
    changed: Notify,
    /// Woken (all) when the last receiver goes, for `Sender::closed`.
    rx_gone: Notify,
}

/// Publishes new values; clone it for more publishers.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Reads the latest value and waits for changes.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version (state without the CLOSED bit) last marked seen.
    seen: usize,
}

/// A read lock on the current value. Do not hold it across an `.await`: it blocks
/// every `send` until dropped.
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
}

/// No receiver exists; the value is handed back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

/// Every sender is gone (and there is no unseen change to report).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct RecvError(());

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> Shared<T> {
    fn read(&self) -> Ref<'_, T> {
        // A panic while a sender held the write lock leaves a value that was fully
        // replaced or not at all (we only assign or run the user's closure); use it.
        Ref {
            guard: self
                .value
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    fn version(&self) -> usize {
        self.state.load(Acquire) & !CLOSED
    }
}

impl<T> Sender<T> {
    /// Stores `value` and notifies the receivers; fails (handing it back) if there are
    /// none.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.rx_count.load(Acquire) == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Stores `value` even with no receivers, returning the previous value.
    pub fn send_replace(&self, value: T) -> T {
        let mut value = value;
        self.send_modify(|old| std::mem::swap(old, &mut value));
        value
    }

    /// Modifies the value in place and notifies the receivers.
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|v| {
            modify(v);
            true
        });
    }

    /// Modifies the value in place; notifies only if `modify` returns `true`.
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        let mut guard = self
            .shared
            .value
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !modify(&mut guard) {
            return false;
        }
        // Bump while still holding the write lock, so a reader that sees the new
        // version also sees the new value.
        self.shared.state.fetch_add(VERSION_ONE, AcqRel);
        drop(guard);
        self.shared.changed.notify_waiters();
        true
    }

    /// The current value.
    pub fn borrow(&self) -> Ref<'_, T> {
        self.shared.read()
    }

    /// A new receiver that has seen the current value.
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.rx_count.fetch_add(1, Release);
        Receiver {
            shared: self.shared.clone(),
            seen: self.shared.version(),
        }
    }

    /// How many receivers exist.
    pub fn receiver_count(&self) -> usize {
        self.shared.rx_count.load(Acquire)
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    pub async fn closed(&self) {
        loop {
            let notified = self.shared.rx_gone.notified();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tx_count.fetch_add(1, Release);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.tx_count.fetch_sub(1, AcqRel) == 1 {
            self.shared.state.fetch_or(CLOSED, AcqRel);
            self.shared.changed.notify_waiters();
        }
    }
}

impl<T> Receiver<T> {
    /// The current value, without marking it seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        self.shared.read()
    }

    /// The current value, marking it seen.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let value = self.shared.read();
        // Read the version under the read lock: senders bump it under the write lock,
        // so this is exactly the version of the value we return.
        self.seen = self.shared.version();
        value
    }

    /// Whether a value newer than the last one seen exists. `Err` if every sender is
    /// gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(Acquire);
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(state & !CLOSED != self.seen)
    }

    /// Marks the current value as seen.
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version();
    }

    /// Waits for a value newer than the last one seen, and marks it seen. Returns
    /// `Err` once every sender is gone and no unseen value remains. Cancel-safe.
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        wait_changed(&self.shared, &mut self.seen).await
    }

    /// Waits until the value satisfies `condition` (checking the current value first),
    /// marks it seen, and returns it still locked, so it cannot change before you look.
    /// `Err` if every sender is gone before that. Cancel-safe.
    pub async fn wait_for(
        &mut self,
        mut condition: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        // Split the borrow: `shared` is only read, `seen` only written, so the guard
        // returned from inside the loop does not conflict with the waiting.
        let Receiver { shared, seen } = self;
        loop {
            let guard = shared.read();
            *seen = shared.version();
            if condition(&guard) {
                return Ok(guard);
            }
            drop(guard);
            wait_changed(shared, seen).await?;
        }
    }

    /// Whether both receivers watch the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// `Receiver::changed` on split borrows (see `wait_for`).
async fn wait_changed<T>(shared: &Shared<T>, seen: &mut usize) -> Result<(), RecvError> {
    loop {
        // Create the waiter before checking, so a send in between is not missed.
        let notified = shared.changed.notified();
        let state = shared.state.load(Acquire);
        let version = state & !CLOSED;
        if version != *seen {
            *seen = version;
            spend_budget().await;
            return Ok(());
        }
        if state & CLOSED != 0 {
            spend_budget().await;
            return Err(RecvError(()));
        }
        notified.await;
    }
}

/// A `changed` that completes without waiting still spends one unit of the cooperative
/// budget (and yields if there is none left), like every other leaf future.
async fn spend_budget() {
    std::future::poll_fn(|cx| coop::poll_proceed(cx).map(|mut g| g.made_progress())).await
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.rx_count.fetch_add(1, Release);
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.rx_count.fetch_sub(1, AcqRel) == 1 {
            self.shared.rx_gone.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("value", &*self.borrow())
            .finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("value", &*self.borrow())
            .field("seen", &(self.seen >> 1))
            .finish()
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError { .. }")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no watch receivers")
    }
}

impl<T> std::error::Error for SendError<T> {}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("watch senders dropped")
    }
}

impl std::error::Error for RecvError {}

#[cfg(all(test, not(loom)))]
#[path = "watch_tests.rs"]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::thread;

    #[test]
    fn loom_watch_send_vs_changed() {
        ::loom::model(|| {
            let (tx, mut rx) = channel(0);
            let t = thread::spawn(move || tx.send(1).unwrap());
            // Whether the send lands before, during or after the version check, the
            // change is reported (the Notified is created before the check).
            ::loom::future::block_on(rx.changed()).unwrap();
            assert_eq!(*rx.borrow_and_update(), 1);
            t.join().unwrap();
        });
    }
}
