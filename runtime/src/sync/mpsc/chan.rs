//! The core shared by the bounded and unbounded channels: a locked queue, a sender
//! count, and the receiving half's batching buffer.
//!
//! ## The algorithm
//! Senders push onto a `VecDeque` under a `Mutex`; the receiver, when its own buffer is
//! empty, takes the lock once and **swaps the whole shared queue** into its private
//! buffer, then pops from that buffer without any lock. Under load (many messages
//! queued per receiver wake-up) the consumer pays one lock per *batch*, and senders
//! contend only with each other and with that one swap. tokio instead uses a lock-free
//! linked list of 32-slot blocks (`tokio/src/sync/mpsc/list.rs`); ours is far simpler,
//! and the swap gives it similar amortised cost on the consumer side. (The swap trick is
//! the "double buffering" used by many logging queues.)
//!
//! The bounded channel adds a [`BatchSemaphore`] of `capacity` permits: a send takes a
//! permit *before* pushing, and the receiver returns one each time it hands a message
//! to the user. So capacity counts messages sent and not yet received, whichever buffer
//! they sit in, and a full channel makes senders wait in FIFO order.
//!
//! ## States
//! - open: senders alive, receiver alive;
//! - *senders gone* (`tx_count == 0`): the receiver drains what is queued, then sees
//!   `None`;
//! - *receiver closed* (`close()` or drop): sends fail and hand the value back, waiting
//!   senders are woken with an error (the semaphore is closed), and the receiver may
//!   still drain what was queued before.
//!
//! Invariant: the receiver's waker is stored only while both buffers are empty and some
//! sender is alive; the next push (or the last sender's drop) takes and wakes it, so one
//! wake-up is issued per idle period, not one per message.

use std::collections::VecDeque;
use std::task::{Context, Poll, Waker, ready};

use super::error::TryRecvError;
use crate::coop;
use crate::loom::sync::atomic::Ordering::{AcqRel, Acquire, Release};
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize};
use crate::loom::sync::{Arc, Mutex};
use crate::sync::Notify;
use crate::sync::batch_semaphore::{BatchSemaphore, lock};

/// The shared state of one channel.
pub(crate) struct Chan<T> {
    queue: Mutex<Queue<T>>,
    tx_count: AtomicUsize,
    rx_closed: AtomicBool,
    /// Capacity permits; `None` for an unbounded channel.
    pub(crate) sem: Option<BatchSemaphore>,
    /// `capacity` of a bounded channel.
    pub(crate) max_capacity: usize,
    /// Woken (all waiters) when the receiver closes, for `Sender::closed`.
    closed_notify: Notify,
}

struct Queue<T> {
    items: VecDeque<T>,
    rx_waker: Option<Waker>,
    tx_gone: bool,
}

impl<T> Chan<T> {
    pub(crate) fn new(capacity: Option<usize>) -> Arc<Chan<T>> {
        Arc::new(Chan {
            queue: Mutex::new(Queue {
                items: VecDeque::new(),
                rx_waker: None,
                tx_gone: false,
            }),
            tx_count: AtomicUsize::new(1),
            rx_closed: AtomicBool::new(false),
            sem: capacity.map(BatchSemaphore::new),
            max_capacity: capacity.unwrap_or(usize::MAX),
            closed_notify: Notify::new(),
        })
    }

    /// Queues `value`, or hands it back if the receiver is closed. A bounded sender has
    /// already taken a permit; on failure the permit is returned here.
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        let mut q = lock(&self.queue);
        if self.rx_closed.load(Acquire) {
            drop(q);
            self.release_permit();
            return Err(value);
        }
        q.items.push_back(value);
        let waker = q.rx_waker.take();
        drop(q);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    pub(crate) fn release_permit(&self) {
        if let Some(sem) = &self.sem {
            sem.release(1);
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.rx_closed.load(Acquire)
    }

    pub(crate) fn add_sender(&self) {
        self.tx_count.fetch_add(1, Release);
    }

    /// A sender is dropped; the last one wakes the receiver so it can see `None`.
    pub(crate) fn drop_sender(&self) {
        if self.tx_count.fetch_sub(1, AcqRel) != 1 {
            return;
        }
        let mut q = lock(&self.queue);
        q.tx_gone = true;
        let waker = q.rx_waker.take();
        drop(q);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Waits until the receiver closes.
    pub(crate) async fn closed(&self) {
        loop {
            // Create the waiter before checking, so a close in between is not missed.
            let notified = self.closed_notify.notified();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }

    /// The receiver closes: no more sends; waiting senders fail.
    fn close(&self) {
        let q = lock(&self.queue);
        self.rx_closed.store(true, Release);
        drop(q);
        if let Some(sem) = &self.sem {
            sem.close();
        }
        self.closed_notify.notify_waiters();
    }
}

/// The receiving half, shared by the bounded and unbounded receivers.
pub(crate) struct RxCore<T> {
    pub(crate) chan: Arc<Chan<T>>,
    /// Messages already moved out of the shared queue, in order.
    buf: VecDeque<T>,
}

impl<T> RxCore<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>) -> Self {
        RxCore {
            chan,
            buf: VecDeque::new(),
        }
    }

    /// Hands one message to the user (returning its capacity permit).
    fn deliver(&mut self) -> Option<T> {
        let value = self.buf.pop_front()?;
        self.chan.release_permit();
        Some(value)
    }

    /// Refills `buf` from the shared queue. `Err(true)` if no message can ever come,
    /// `Err(false)` if none is there now (and the waker, if given, was stored).
    fn refill(&mut self, waker: Option<&Waker>) -> Result<(), bool> {
        let mut q = lock(&self.chan.queue);
        if !q.items.is_empty() {
            std::mem::swap(&mut q.items, &mut self.buf);
            return Ok(());
        }
        if q.tx_gone || self.chan.is_closed() {
            return Err(true);
        }
        if let Some(waker) = waker {
            match &q.rx_waker {
                Some(w) if w.will_wake(waker) => {}
                _ => q.rx_waker = Some(waker.clone()),
            }
        }
        Err(false)
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut coop = ready!(coop::poll_proceed(cx));
        if self.buf.is_empty() {
            match self.refill(Some(cx.waker())) {
                Ok(()) => {}
                Err(true) => {
                    coop.made_progress();
                    return Poll::Ready(None);
                }
                Err(false) => {
                    crate::wait::set(crate::wait::Wait::MpscRecv);
                    return Poll::Pending;
                }
            }
        }
        coop.made_progress();
        Poll::Ready(self.deliver())
    }

    /// Waits for at least one message, then moves up to `limit` queued messages into
    /// `out`; returns how many (0 only when the channel is finished, or `limit == 0`).
    pub(crate) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let Some(first) = ready!(self.poll_recv(cx)) else {
            return Poll::Ready(0);
        };
        out.push(first);
        let mut n = 1;
        while n < limit {
            if self.buf.is_empty() && self.refill(None).is_err() {
                break;
            }
            match self.deliver() {
                Some(v) => out.push(v),
                None => break,
            }
            n += 1;
        }
        Poll::Ready(n)
    }

    pub(crate) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        if self.buf.is_empty() {
            match self.refill(None) {
                Ok(()) => {}
                Err(true) => return Err(TryRecvError::Disconnected),
                Err(false) => return Err(TryRecvError::Empty),
            }
        }
        self.deliver().ok_or(TryRecvError::Empty)
    }

    pub(crate) fn close(&mut self) {
        self.chan.close();
    }

    /// Messages waiting to be received.
    pub(crate) fn len(&self) -> usize {
        self.buf.len() + lock(&self.chan.queue).items.len()
    }
}

impl<T> Drop for RxCore<T> {
    fn drop(&mut self) {
        self.chan.close();
        // Drop queued messages now rather than when the last sender goes: they may hold
        // resources (a oneshot reply slot whose requester is waiting for an error).
        let queued = std::mem::take(&mut lock(&self.chan.queue).items);
        drop(queued);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use crate::loom::thread;
    use crate::sync::mpsc::{TryRecvError, channel};

    #[test]
    fn loom_mpsc_close_while_sending() {
        ::loom::model(|| {
            let (tx, mut rx) = channel::<usize>(1);
            let t = thread::spawn(move || ::loom::future::block_on(tx.send(1)).is_ok());
            rx.close();
            let sent = t.join().unwrap();
            // A send that succeeded is received; one that failed left nothing behind.
            assert_eq!(rx.try_recv().is_ok(), sent);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        });
    }

    #[test]
    fn loom_mpsc_last_sender_drop_wakes_receiver() {
        ::loom::model(|| {
            let (tx, mut rx) = channel::<usize>(1);
            let t = thread::spawn(move || {
                tx.try_send(3).unwrap();
            });
            assert_eq!(::loom::future::block_on(rx.recv()), Some(3));
            assert_eq!(::loom::future::block_on(rx.recv()), None);
            t.join().unwrap();
        });
    }
}
