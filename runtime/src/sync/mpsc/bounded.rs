//! The bounded channel: `send` waits while `capacity` messages are in flight.

use std::fmt;
use std::task::{Context, Poll};

use super::chan::{Chan, RxCore};
use super::error::{SendError, TryRecvError, TrySendError};
use crate::loom::sync::Arc;
use crate::sync::batch_semaphore::TryAcquireError;

/// Sends into a bounded channel; clone it for more producers.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// Receives from a bounded channel.
pub struct Receiver<T> {
    rx: RxCore<T>,
}

/// One reserved slot of capacity: [`send`](Permit::send) cannot wait or fail.
/// Dropping an unused permit gives the slot back.
#[must_use = "an unused permit gives its slot back when dropped"]
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

/// Creates a bounded channel holding at most `capacity` messages in flight.
///
/// # Panics
/// If `capacity` is 0 (a rendezvous channel is not supported: use a `oneshot` per
/// message, or capacity 1).
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "mpsc::channel needs a capacity of at least 1 (use unbounded_channel for no limit)"
    );
    let chan = Chan::new(Some(capacity));
    (
        Sender { chan: chan.clone() },
        Receiver {
            rx: RxCore::new(chan),
        },
    )
}

impl<T> Sender<T> {
    fn sem(&self) -> &crate::sync::batch_semaphore::BatchSemaphore {
        self.chan
            .sem
            .as_ref()
            .expect("a bounded channel has a semaphore")
    }

    /// Sends `value`, waiting while the channel is full. Fails, handing the value back,
    /// if the receiver is gone.
    ///
    /// Cancel-safety: if the future is dropped before it completes, the value was not
    /// sent (it is dropped with the future) and the sender's place in the queue is
    /// given up.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.sem().acquire(1).await.is_err() {
            return Err(SendError(value));
        }
        self.chan.push(value).map_err(SendError)
    }

    /// Sends from non-async code, blocking the thread while the channel is full. Never
    /// call it from an async task.
    #[cfg(not(loom))]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::sync::blocking::block_on(self.send(value))
    }

    /// Sends `value` if there is room now.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.sem().try_acquire(1) {
            Ok(()) => self.chan.push(value).map_err(TrySendError::Closed),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Waits for room, then reserves it: the returned [`Permit`] sends without waiting.
    /// Cancel-safe (nothing is reserved unless it completes).
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        match self.sem().acquire(1).await {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Reserves room if there is some now.
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.sem().try_acquire(1) {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Waits until the receiver is dropped or closed.
    pub async fn closed(&self) {
        self.chan.closed().await
    }

    /// Whether the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Free slots right now.
    pub fn capacity(&self) -> usize {
        self.sem().available_permits()
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.chan.max_capacity
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved slot. If the receiver has gone meanwhile, the
    /// value is dropped.
    pub fn send(self, value: T) {
        let chan = self.chan;
        std::mem::forget(self);
        // On failure `push` has already returned the slot; the value is dropped here.
        let _ = chan.push(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.release_permit();
    }
}

impl<T> Receiver<T> {
    /// Receives the next message; `None` once every sender is gone (or the receiver was
    /// closed) and the queue is drained. Cancel-safe: no message is taken unless it
    /// completes.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.rx.poll_recv(cx)).await
    }

    /// Polls for the next message (for hand-written futures and streams).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Waits for a message, then takes up to `limit` queued messages at once into
    /// `buffer`; returns how many. `0` means the channel is finished (or `limit == 0`).
    /// Cancel-safe.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
    }

    /// Receives the next message from non-async code, blocking the thread; see
    /// `sync/blocking.rs`. Never call it from an async task.
    #[cfg(not(loom))]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::sync::blocking::block_on(self.recv())
    }

    /// Takes the next message if one is queued.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// Closes the channel: sends fail from now on and waiting senders are woken with an
    /// error; messages already queued can still be received.
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Messages queued now.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether no message is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Sender")
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Receiver")
            .field("len", &self.len())
            .finish()
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mpsc::Permit")
    }
}
