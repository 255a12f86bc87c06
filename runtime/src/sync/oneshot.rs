//! A one-shot channel: one value, sent once, from one [`Sender`] to one [`Receiver`].
//!
//! The classic use is a reply slot: a request carries a `Sender`, the caller awaits the
//! `Receiver`.
//!
//! ```no_run
//! # async fn demo() {
//! let (tx, rx) = spindle::sync::oneshot::channel::<u32>();
//! std::thread::spawn(move || { let _ = tx.send(42); });
//! assert_eq!(rx.await, Ok(42));
//! # }
//! # fn main() {}
//! ```
//!
//! ## The algorithm
//! No lock: both halves share one allocation holding the value slot, one waker slot per
//! side, and a state word of four bits. Each bit hands ownership of a slot from one side
//! to the other, so every slot has exactly one writer at a time (the scheme is tokio's
//! `sync/oneshot.rs`; the bits and the rules below are ours, written out so the
//! protocol can be checked by reading):
//!
//! | bit | set by | meaning while set |
//! |---|---|---|
//! | `RX_WAKER_SET` | receiver | `rx_waker` holds the receiver's waker; the sender may read (wake) it |
//! | `TX_WAKER_SET` | sender | `tx_waker` holds the waker of `Sender::closed`; the receiver may read it |
//! | `COMPLETE` | sender | the sender is finished: `value` is `Some` (sent) or `None` (sender dropped) |
//! | `CLOSED` | receiver | the receiver is gone or closed; a send after this fails |
//!
//! Rules (each protects one slot):
//! 1. `value` is written only by the sender, before it tries to set `COMPLETE`. The
//!    receiver reads it only after it has observed `COMPLETE` (Acquire pairs with the
//!    sender's AcqRel). If the receiver closed first, `COMPLETE` is never set and the
//!    sender takes its value back: that is how `send` returns `Err(value)`.
//! 2. `rx_waker` is written only by the receiver and only while `RX_WAKER_SET` is clear;
//!    to replace it the receiver first clears the bit, and if that shows `COMPLETE` the
//!    sender may be reading the waker right now, so the receiver leaves it alone and just
//!    takes the value.
//! 3. `tx_waker` mirrors rule 2 with the roles swapped and `CLOSED` in place of `COMPLETE`.
//! 4. `COMPLETE` and `CLOSED` are never both *newly* set: the sender sets `COMPLETE` with
//!    a compare-exchange that fails if `CLOSED` is already there.
//!
//! States move only forward: `{}` → (`*_WAKER_SET`)* → `COMPLETE` or `CLOSED` (both are
//! possible only when the receiver closes after the value arrived).
//!
//! ## Cancellation
//! Awaiting `&mut rx` is cancel-safe: if that future is dropped (say, the losing branch
//! of a `select!`), no value is lost and the `Receiver` can be awaited again. Dropping
//! the `Receiver` itself closes the channel, and a later `send` hands its value back.
//! [`Sender::closed`] is cancel-safe.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use crate::coop;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::Arc;
use crate::loom::sync::atomic::AtomicUsize;
use crate::loom::sync::atomic::Ordering::{AcqRel, Acquire};

const RX_WAKER_SET: usize = 0b0001;
const TX_WAKER_SET: usize = 0b0010;
const COMPLETE: usize = 0b0100;
const CLOSED: usize = 0b1000;

/// Creates a one-shot channel.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_waker: UnsafeCell::new(None),
        tx_waker: UnsafeCell::new(None),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner: Some(inner) },
    )
}

/// Sends the one value of a [`channel`].
pub struct Sender<T> {
    /// `None` once the value has been sent.
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the one value of a [`channel`]; await it (it is a `Future`) or [`try_recv`].
///
/// [`try_recv`]: Receiver::try_recv
pub struct Receiver<T> {
    /// `None` once the result has been taken.
    inner: Option<Arc<Inner<T>>>,
}

/// The sender was dropped without sending a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError(());

/// Why [`Receiver::try_recv`] returned no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value yet; the sender may still send one.
    Empty,
    /// The sender was dropped without sending, or the value was already taken.
    Closed,
}

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    rx_waker: UnsafeCell<Option<Waker>>,
    tx_waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the cells are only touched as the state-bit rules in the module header allow,
// which makes every access exclusive or read-only-shared; the value moves between
// threads, so `T: Send` is required (and enough, since `&T` is never shared).
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    /// The sender finishes (with or without a value in the slot). Returns `false` if the
    /// receiver had closed first, in which case `COMPLETE` was not set.
    fn complete(&self) -> bool {
        // Guess "nothing set yet" (the receiver has not polled): when right, the
        // compare-exchange is the only access; when wrong, it returns the real state.
        let mut state = 0;
        loop {
            if state & CLOSED != 0 {
                return false;
            }
            match self
                .state
                .compare_exchange(state, state | COMPLETE, AcqRel, Acquire)
            {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        if state & RX_WAKER_SET != 0 {
            // SAFETY: rule 2 — the bit was set when we set COMPLETE, so the receiver will
            // not write `rx_waker` again; reading it is shared with, at most, the
            // receiver's own `will_wake` read.
            unsafe { wake_slot(&self.rx_waker) };
        }
        true
    }

    /// The receiver closes. Wakes a pending `Sender::closed`.
    fn close(&self) {
        let prev = self.state.fetch_or(CLOSED, AcqRel);
        if prev & TX_WAKER_SET != 0 && prev & COMPLETE == 0 {
            // SAFETY: rule 3 — the bit was set when we set CLOSED, so the sender will
            // not write `tx_waker` again while we read it.
            unsafe { wake_slot(&self.tx_waker) };
        }
    }

    /// Takes the value. Only after observing `COMPLETE`.
    ///
    /// # Safety
    /// The caller is the receiver and has observed `COMPLETE` with Acquire (rule 1).
    unsafe fn take_value(&self) -> Option<T> {
        // SAFETY: by the caller's contract the sender has finished with the slot.
        self.value.with_mut(|v| unsafe { (*v).take() })
    }
}

/// Wakes the waker stored in `slot`, if any.
///
/// # Safety
/// Nobody writes `slot` during the call (the state-bit rules grant the caller read
/// access).
unsafe fn wake_slot(slot: &UnsafeCell<Option<Waker>>) {
    slot.with(|w| {
        // SAFETY: no concurrent writer, by the caller's contract.
        if let Some(w) = unsafe { &*w } {
            w.wake_by_ref();
        }
    });
}

/// Whether the waker stored in `slot` would wake the same task as `waker`.
///
/// # Safety
/// As for [`wake_slot`].
unsafe fn slot_will_wake(slot: &UnsafeCell<Option<Waker>>, waker: &Waker) -> bool {
    slot.with(|w| {
        // SAFETY: no concurrent writer, by the caller's contract.
        let stored = unsafe { &*w };
        stored.as_ref().is_some_and(|w| w.will_wake(waker))
    })
}

impl<T> Sender<T> {
    /// Sends `value`. Fails, handing it back, if the receiver was dropped or closed.
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("the sender is consumed by send");
        // SAFETY: rule 1 — only the sender writes the slot, and the receiver does not
        // read it before COMPLETE, which we have not set yet.
        inner.value.with_mut(|v| unsafe { *v = Some(value) });
        if inner.complete() {
            Ok(())
        } else {
            // SAFETY: rule 1 — COMPLETE was not set, so the receiver never reads it.
            let value = inner.value.with_mut(|v| unsafe { (*v).take() });
            Err(value.expect("the value was just stored"))
        }
    }

    /// Whether the receiver has been dropped or closed (a send would fail).
    pub fn is_closed(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|i| i.state.load(Acquire) & CLOSED != 0)
    }

    /// Waits until the receiver is dropped or closed; use it to stop computing a reply
    /// nobody will read. Cancel-safe.
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Polls for the receiver being dropped or closed; only the last waker is woken.
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut coop = ready!(coop::poll_proceed(cx));
        let inner = self.inner.as_ref().expect("the sender is consumed by send");
        let mut state = inner.state.load(Acquire);
        if state & CLOSED != 0 {
            coop.made_progress();
            return Poll::Ready(());
        }
        if state & TX_WAKER_SET != 0 {
            // SAFETY: we are the slot's only writer and the receiver only reads it
            // (rule 3), so a shared read is sound.
            let same = unsafe { slot_will_wake(&inner.tx_waker, cx.waker()) };
            if same {
                return Poll::Pending;
            }
            state = inner.state.fetch_and(!TX_WAKER_SET, AcqRel);
            if state & CLOSED != 0 {
                // The receiver may be reading the old waker: leave it (rule 3).
                inner.state.fetch_or(TX_WAKER_SET, AcqRel);
                coop.made_progress();
                return Poll::Ready(());
            }
        }
        // SAFETY: rule 3 — TX_WAKER_SET is clear, so the receiver does not read the slot.
        inner
            .tx_waker
            .with_mut(|w| unsafe { *w = Some(cx.waker().clone()) });
        state = inner.state.fetch_or(TX_WAKER_SET, AcqRel);
        if state & CLOSED != 0 {
            coop.made_progress();
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // Completing without a value tells the receiver the sender is gone.
            inner.complete();
        }
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it has arrived, without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = self.inner.as_ref() else {
            return Err(TryRecvError::Closed);
        };
        let state = inner.state.load(Acquire);
        if state & COMPLETE != 0 {
            // SAFETY: we observed COMPLETE with Acquire (rule 1).
            let value = unsafe { inner.take_value() };
            self.inner = None;
            value.ok_or(TryRecvError::Closed)
        } else if state & CLOSED != 0 {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Waits for the value from non-async code, blocking the thread. Never call it from
    /// an async task.
    #[cfg(not(loom))]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::sync::blocking::block_on(self)
    }

    /// Closes the channel: a later `send` fails. A value already sent can still be
    /// received.
    pub fn close(&mut self) {
        if let Some(inner) = self.inner.as_ref() {
            inner.close();
        }
    }

    /// Whether no value can arrive any more (closed, sender gone, or already received).
    pub fn is_terminated(&self) -> bool {
        self.inner.as_ref().is_none_or(|i| {
            let state = i.state.load(Acquire);
            state & CLOSED != 0 && state & COMPLETE == 0
        })
    }

    fn finish(&mut self) -> Result<T, RecvError> {
        let inner = self.inner.take().expect("the receiver has its inner");
        // SAFETY: callers observed COMPLETE with Acquire (rule 1).
        unsafe { inner.take_value() }.ok_or(RecvError(()))
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut coop = ready!(coop::poll_proceed(cx));
        let this = &mut *self;
        let inner = this
            .inner
            .as_ref()
            .expect("oneshot::Receiver polled after it completed; poll it at most once to Ready");
        let mut state = inner.state.load(Acquire);
        if state & COMPLETE != 0 {
            coop.made_progress();
            return Poll::Ready(this.finish());
        }
        if state & CLOSED != 0 {
            coop.made_progress();
            this.inner = None;
            return Poll::Ready(Err(RecvError(())));
        }
        if state & RX_WAKER_SET != 0 {
            // SAFETY: we are the slot's only writer and the sender only reads it
            // (rule 2), so a shared read is sound.
            let same = unsafe { slot_will_wake(&inner.rx_waker, cx.waker()) };
            if same {
                return Poll::Pending;
            }
            state = inner.state.fetch_and(!RX_WAKER_SET, AcqRel);
            if state & COMPLETE != 0 {
                // The sender may be reading the old waker: leave it (rule 2).
                coop.made_progress();
                return Poll::Ready(this.finish());
            }
        }
        // SAFETY: rule 2 — RX_WAKER_SET is clear, so the sender does not read the slot.
        inner
            .rx_waker
            .with_mut(|w| unsafe { *w = Some(cx.waker().clone()) });
        state = inner.state.fetch_or(RX_WAKER_SET, AcqRel);
        if state & COMPLETE != 0 {
            coop.made_progress();
            return Poll::Ready(this.finish());
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            inner.close();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Receiver")
            .field("terminated", &self.is_terminated())
            .finish()
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot sender dropped without sending")
    }
}

impl std::error::Error for RecvError {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("oneshot channel empty"),
            TryRecvError::Closed => f.write_str("oneshot channel closed"),
        }
    }
}

impl std::error::Error for TryRecvError {}

#[cfg(all(test, not(loom)))]
#[path = "oneshot_tests.rs"]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::thread;

    #[test]
    fn loom_oneshot_send_recv() {
        ::loom::model(|| {
            let (tx, rx) = channel::<usize>();
            let t = thread::spawn(move || tx.send(7).is_ok());
            let got = ::loom::future::block_on(rx);
            assert!(t.join().unwrap());
            assert_eq!(got, Ok(7));
        });
    }

    #[test]
    fn loom_oneshot_sender_dropped() {
        ::loom::model(|| {
            let (tx, rx) = channel::<usize>();
            let t = thread::spawn(move || drop(tx));
            assert_eq!(::loom::future::block_on(rx), Err(RecvError(())));
            t.join().unwrap();
        });
    }

    #[test]
    fn loom_oneshot_receiver_dropped_while_sending() {
        ::loom::model(|| {
            let (tx, rx) = channel::<Arc<()>>();
            let value = Arc::new(());
            let v2 = value.clone();
            let t = thread::spawn(move || tx.send(v2).map_err(drop).is_ok());
            drop(rx);
            let _sent = t.join().unwrap();
            // Whether the send won or not, the value is dropped exactly once.
            assert_eq!(Arc::strong_count(&value), 1);
        });
    }

    #[test]
    fn loom_oneshot_closed_wakes_sender() {
        ::loom::model(|| {
            let (mut tx, rx) = channel::<usize>();
            let t = thread::spawn(move || drop(rx));
            ::loom::future::block_on(tx.closed());
            assert!(tx.is_closed());
            t.join().unwrap();
        });
    }
}
