//! A multi-producer, multi-consumer broadcast channel: every receiver sees every value.
//!
//! ```no_run
//! use spindle::sync::broadcast;
//! # async fn demo() {
//! let (tx, mut rx1) = broadcast::channel(16);
//! let mut rx2 = tx.subscribe();
//! tx.send("tick").unwrap();
//! assert_eq!(rx1.recv().await, Ok("tick"));
//! assert_eq!(rx2.recv().await, Ok("tick"));
//! # }
//! # fn main() {}
//! ```
//!
//! ## Semantics (those of tokio's `broadcast`, except that the capacity is exact)
//! - The channel keeps the last `capacity` values. A receiver that falls further behind
//!   than that gets [`RecvError::Lagged(n)`](RecvError::Lagged), where `n` is exactly
//!   the number of values it missed, and its next `recv` continues from the oldest value
//!   still retained. (tokio rounds the capacity up to a power of two; we keep it as
//!   given, so the `n` a test expects is the arithmetic one.)
//! - A receiver only sees values sent after it subscribed.
//! - [`Sender::send`] fails (handing the value back) when there are no receivers.
//! - Once every sender is gone, a receiver drains what it has not seen, then gets
//!   [`RecvError::Closed`].
//!
//! ## The algorithm
//! A ring of `capacity` slots behind one `Mutex`; value number `pos` lives in slot
//! `pos % capacity`. `tail` is the number of values ever sent; each receiver keeps the
//! position `next` it will read. The oldest retained value is `tail - capacity` (or 0),
//! so "lagged" is `next < tail - capacity` and "nothing new" is `next == tail`.
//! Each slot counts the receivers that still have to read it (`rem`); the last reader
//! *moves* the value out instead of cloning it, and a dropped receiver decrements the
//! slots it never read, so values are dropped as soon as nobody needs them.
//! Waiting receivers park in a `WaitList`; a send wakes them all. tokio's version is
//! finer-grained (a lock per slot, so receivers clone in parallel); one lock keeps this
//! one short enough to check by reading.
//!
//! ## Cancellation
//! `recv` is cancel-safe: a dropped `recv` future takes no value and leaves the queue.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use super::batch_semaphore::lock;
use super::wait_list::{Key, WaitList};
use super::wake_batch::WakeBatch;
use crate::coop;
use crate::loom::sync::{Arc, Mutex};

/// Creates a broadcast channel retaining the last `capacity` values.
///
/// # Panics
/// If `capacity` is 0.
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "broadcast::channel needs a capacity of at least 1"
    );
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            slots: (0..capacity)
                .map(|_| Slot {
                    rem: 0,
                    value: None,
                })
                .collect(),
            tail: 0,
            rx_count: 1,
            tx_count: 1,
            waiters: WaitList::new(),
        }),
    });
    let rx = Receiver {
        shared: shared.clone(),
        next: 0,
    };
    (Sender { shared }, rx)
}

/// Sends to every receiver; clone it for more producers.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every value sent after it subscribed.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// Position of the next value to read.
    next: u64,
}

/// There were no receivers; the value is handed back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

/// Why `recv` returned no value.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum RecvError {
    /// Every sender is gone and every retained value was received.
    Closed,
    /// This receiver fell behind and missed this many values; the next `recv` returns
    /// the oldest value still retained.
    Lagged(u64),
}

/// Why `try_recv` returned no value.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// Nothing new yet.
    Empty,
    /// Every sender is gone and every retained value was received.
    Closed,
    /// Missed this many values (see [`RecvError::Lagged`]).
    Lagged(u64),
}

struct Shared<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    slots: Box<[Slot<T>]>,
    tail: u64,
    rx_count: usize,
    tx_count: usize,
    waiters: WaitList<Option<Waker>>,
}

struct Slot<T> {
    /// Receivers that still have to read this value.
    rem: usize,
    value: Option<T>,
}

impl<T> State<T> {
    fn capacity(&self) -> u64 {
        self.slots.len() as u64
    }

    fn oldest(&self) -> u64 {
        self.tail.saturating_sub(self.capacity())
    }

    fn slot(&mut self, pos: u64) -> &mut Slot<T> {
        let cap = self.capacity();
        &mut self.slots[(pos % cap) as usize]
    }

    /// The next value for a receiver at `*next`, or `None` if there is nothing new.
    fn take(&mut self, next: &mut u64) -> Option<Result<T, TryRecvError>>
    where
        T: Clone,
    {
        let oldest = self.oldest();
        if *next < oldest {
            let missed = oldest - *next;
            *next = oldest;
            return Some(Err(TryRecvError::Lagged(missed)));
        }
        if *next == self.tail {
            return (self.tx_count == 0).then_some(Err(TryRecvError::Closed));
        }
        let slot = self.slot(*next);
        *next += 1;
        slot.rem -= 1;
        let value = if slot.rem == 0 {
            slot.value.take() // the last reader moves the value out
        } else {
            slot.value.clone()
        };
        Some(Ok(
            value.expect("a retained slot with readers left holds its value")
        ))
    }
}

impl<T> Sender<T> {
    /// Sends `value` to every current receiver; returns how many there were. Never
    /// waits: a slow receiver lags instead of holding the sender back.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut state = lock(&self.shared.state);
        let receivers = state.rx_count;
        if receivers == 0 {
            return Err(SendError(value));
        }
        let tail = state.tail;
        let slot = state.slot(tail);
        slot.rem = receivers;
        slot.value = Some(value);
        state.tail += 1;
        let mut wake = WakeBatch::new();
        while let Some(key) = state.waiters.pop_front() {
            wake.push(state.waiters.get_mut(key).take());
        }
        drop(state);
        wake.wake_all();
        Ok(receivers)
    }

    /// A new receiver that sees values sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// How many receivers exist.
    pub fn receiver_count(&self) -> usize {
        lock(&self.shared.state).rx_count
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

fn new_receiver<T>(shared: &Arc<Shared<T>>) -> Receiver<T> {
    let mut state = lock(&shared.state);
    state.rx_count += 1;
    let next = state.tail;
    drop(state);
    Receiver {
        shared: shared.clone(),
        next,
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        lock(&self.shared.state).tx_count += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = lock(&self.shared.state);
        state.tx_count -= 1;
        if state.tx_count > 0 {
            return;
        }
        // The last sender: waiting receivers must wake to see `Closed`.
        let mut wake = WakeBatch::new();
        while let Some(key) = state.waiters.pop_front() {
            wake.push(state.waiters.get_mut(key).take());
        }
        drop(state);
        wake.wake_all();
    }
}

impl<T: Clone> Receiver<T> {
    /// Waits for the next value. Cancel-safe.
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            rx: self,
            key: None,
        }
    }

    /// Takes the next value if there is one now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut state = lock(&self.shared.state);
        state
            .take(&mut self.next)
            .unwrap_or(Err(TryRecvError::Empty))
    }
}

impl<T> Receiver<T> {
    /// A new receiver starting from the values sent from now on.
    pub fn resubscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// Values sent that this receiver has not read yet (capped at the capacity).
    pub fn len(&self) -> usize {
        let state = lock(&self.shared.state);
        (state.tail - self.next.max(state.oldest())) as usize
    }

    /// Whether this receiver has read everything sent so far.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = lock(&self.shared.state);
        state.rx_count -= 1;
        // Release our claim on every retained value we never read.
        for pos in self.next.max(state.oldest())..state.tail {
            let slot = state.slot(pos);
            slot.rem -= 1;
            if slot.rem == 0 {
                slot.value = None;
            }
        }
    }
}

/// The future of [`Receiver::recv`].
#[must_use = "futures do nothing unless polled"]
pub struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
    /// Our waiter slot while parked.
    key: Option<Key>,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut coop = ready!(coop::poll_proceed(cx));
        let this = &mut *self;
        let mut state = lock(&this.rx.shared.state);
        if let Some(result) = state.take(&mut this.rx.next) {
            if let Some(key) = this.key.take() {
                state.waiters.remove(key);
            }
            coop.made_progress();
            return Poll::Ready(result.map_err(|e| match e {
                TryRecvError::Lagged(n) => RecvError::Lagged(n),
                _ => RecvError::Closed,
            }));
        }
        match this.key {
            Some(key) if state.waiters.is_linked(key) => {
                let slot = state.waiters.get_mut(key);
                if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *slot = Some(cx.waker().clone());
                }
            }
            _ => {
                if let Some(old) = this.key.take() {
                    state.waiters.remove(old); // woken, but a racing reader left us nothing
                }
                this.key = Some(state.waiters.push_back(Some(cx.waker().clone())));
            }
        }
        Poll::Pending
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.rx.shared.state).waiters.remove(key);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish()
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Recv")
            .field("parked", &self.key.is_some())
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
        f.write_str("no broadcast receivers")
    }
}

impl<T> std::error::Error for SendError<T> {}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("broadcast channel closed"),
            RecvError::Lagged(n) => write!(f, "broadcast receiver lagged by {n} values"),
        }
    }
}

impl std::error::Error for RecvError {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("broadcast channel empty"),
            TryRecvError::Closed => f.write_str("broadcast channel closed"),
            TryRecvError::Lagged(n) => write!(f, "broadcast receiver lagged by {n} values"),
        }
    }
}

impl std::error::Error for TryRecvError {}

#[cfg(all(test, not(loom)))]
#[path = "broadcast_tests.rs"]
mod tests;
