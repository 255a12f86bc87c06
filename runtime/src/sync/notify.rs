//! `Notify`: wake one task, or all of them, without sending data.
//!
//! ```no_run
//! use spindle::sync::Notify;
//! # async fn demo(notify: &Notify) {
//! notify.notified().await; // in the waiting task
//! notify.notify_one();     // elsewhere: wakes it (or lets its next wait pass at once)
//! # }
//! # fn main() {}
//! ```
//!
//! ## Semantics (those of tokio's `Notify`)
//! - [`notify_one`](Notify::notify_one) wakes the longest-waiting task. If nobody waits it
//!   stores **one permit** (several calls still store one), and the next `notified()`
//!   completes at once by consuming it. So a notification sent just before the receiver
//!   starts waiting is never lost.
//! - [`notify_waiters`](Notify::notify_waiters) wakes every *current* waiter and stores
//!   nothing. "Current" includes every [`Notified`] future *created* before the call, even
//!   one not polled yet, so the pattern "create `notified()`, check a condition, await"
//!   cannot miss a `notify_waiters` that lands between the check and the await.
//!
//! ## The algorithm
//! One atomic word `generation << 2 | MODE`, where MODE is `EMPTY`, `WAITING` (the queue is
//! non-empty) or `NOTIFIED` (a permit is stored), plus a FIFO [`WaitList`] behind a lock.
//! `generation` counts `notify_waiters` calls: a `Notified` remembers the generation it
//! was created in and completes once the word shows a later one.
//!
//! Fast paths without the lock: `notify_one` with nobody waiting just sets `NOTIFIED`;
//! `notified()` with a permit stored just swaps it for `EMPTY`. Everything that touches
//! the queue holds the lock, and `WAITING` is only entered or left under it, so a
//! `notify_one` that sees `EMPTY`/`NOTIFIED` can safely store a permit: any waiter that
//! enqueues afterwards re-reads the word under the lock and finds the permit.
//!
//! ## Cancellation
//! `notified().await` is cancel-safe: dropping a waiting `Notified` leaves the queue, and
//! if `notify_one` had already chosen it, the notification passes to the next waiter (or
//! becomes the stored permit), so a `select!` that drops it loses nothing.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use super::batch_semaphore::lock;
use super::wait_list::{Key, WaitList};
use super::wake_batch::WakeBatch;
use crate::coop;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::AtomicUsize;
use crate::loom::sync::atomic::Ordering::{AcqRel, Acquire};

const EMPTY: usize = 0;
const WAITING: usize = 1;
const NOTIFIED: usize = 2;
const MODE: usize = 0b11;
const GENERATION_ONE: usize = 0b100;

/// Wakes one waiting task, or all of them, without sending data.
///
/// ```no_run
/// use spindle::sync::Notify;
/// # async fn demo(notify: &Notify) {
/// notify.notified().await; // in the waiting task
/// notify.notify_one();     // elsewhere: wakes it, or lets its next wait pass at once
/// # }
/// # fn main() {}
/// ```
///
/// - [`notify_one`](Notify::notify_one) wakes the longest waiter (FIFO). If nobody waits
///   it stores **one permit** (repeated calls still store one) that the next
///   `notified().await` consumes at once, so a notification is never lost to a race
///   with the waiter.
/// - [`notify_waiters`](Notify::notify_waiters) wakes every current waiter and stores
///   nothing. Every [`Notified`] *created* before the call counts as waiting, even if not
///   yet polled: "create `notified()`, check your condition, then await" cannot miss it.
///
/// **Cancellation:** `notified().await` is cancel-safe. A dropped `Notified` leaves the
/// queue, and if `notify_one` had already chosen it, the notification passes to the next
/// waiter (or becomes the stored permit).
pub struct Notify {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notification {
    One,
    All,
}

struct Waiter {
    waker: Option<Waker>,
    notified: Option<Notification>,
}

/// The future of [`Notify::notified`].
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// The `notify_waiters` generation when this future was created.
    generation: usize,
    state: NotifiedState,
}

#[derive(Debug, Clone, Copy)]
enum NotifiedState {
    Init,
    Waiting(Key),
    Done,
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl Notify {
    /// A `Notify` with no permit stored and nobody waiting.
    pub fn new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// A future that completes when this `Notify` is notified. It counts as waiting for
    /// [`notify_waiters`](Notify::notify_waiters) from the moment it is created.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            generation: self.state.load(Acquire) & !MODE,
            state: NotifiedState::Init,
        }
    }

    /// Wakes the longest waiter, or stores one permit if nobody waits.
    pub fn notify_one(&self) {
        let mut state = self.state.load(Acquire);
        while state & MODE != WAITING {
            let next = (state & !MODE) | NOTIFIED;
            match self.state.compare_exchange(state, next, AcqRel, Acquire) {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
        let mut list = lock(&self.waiters);
        let waker = self.notify_one_locked(&mut list);
        drop(list);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// `notify_one` with the lock held; returns the waker to wake after unlocking.
    fn notify_one_locked(&self, list: &mut WaitList<Waiter>) -> Option<Waker> {
        let mut state = self.state.load(Acquire);
        loop {
            if state & MODE == WAITING {
                let key = list.pop_front().expect("WAITING implies a queued waiter");
                let waiter = list.get_mut(key);
                waiter.notified = Some(Notification::One);
                let waker = waiter.waker.take();
                if list.is_empty() {
                    // Only lock holders leave WAITING, so a plain store is race-free
                    // apart from the generation, which also changes only under the lock.
                    self.state.fetch_and(!MODE, AcqRel);
                }
                return waker;
            }
            let next = (state & !MODE) | NOTIFIED;
            match self.state.compare_exchange(state, next, AcqRel, Acquire) {
                Ok(_) => return None,
                Err(actual) => state = actual,
            }
        }
    }

    /// Wakes every task waiting now (every `Notified` created before this call); stores
    /// no permit.
    pub fn notify_waiters(&self) {
        let mut list = lock(&self.waiters);
        let mut state = self.state.load(Acquire);
        loop {
            let mode = match state & MODE {
                WAITING => EMPTY,
                other => other,
            };
            let next = (state & !MODE).wrapping_add(GENERATION_ONE) | mode;
            match self.state.compare_exchange(state, next, AcqRel, Acquire) {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        let mut wake = WakeBatch::new();
        while let Some(key) = list.pop_front() {
            let waiter = list.get_mut(key);
            waiter.notified = Some(Notification::All);
            wake.push(waiter.waker.take());
        }
        drop(list);
        wake.wake_all();
    }

    /// Takes a stored permit, if any.
    fn take_permit(&self) -> bool {
        let state = self.state.load(Acquire);
        state & MODE == NOTIFIED
            && self
                .state
                .compare_exchange(state, state & !MODE, AcqRel, Acquire)
                .is_ok()
    }
}

impl Notified<'_> {
    fn poll_init(&mut self, waker: &Waker) -> Poll<()> {
        if self.notify.take_permit() {
            return Poll::Ready(());
        }
        let notify = self.notify;
        let mut list = lock(&notify.waiters);
        let mut state = notify.state.load(Acquire);
        loop {
            if state & !MODE != self.generation {
                return Poll::Ready(()); // a notify_waiters since we were created
            }
            let (next, consumed) = match state & MODE {
                NOTIFIED => (state & !MODE, true),
                _ => ((state & !MODE) | WAITING, false),
            };
            match notify.state.compare_exchange(state, next, AcqRel, Acquire) {
                Ok(_) if consumed => return Poll::Ready(()),
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        let key = list.push_back(Waiter {
            waker: Some(waker.clone()),
            notified: None,
        });
        self.state = NotifiedState::Waiting(key);
        Poll::Pending
    }

    fn poll_waiting(&mut self, key: Key, waker: &Waker) -> Poll<()> {
        let mut list = lock(&self.notify.waiters);
        if list.is_linked(key) {
            let slot = &mut list.get_mut(key).waker;
            if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *slot = Some(waker.clone());
            }
            return Poll::Pending;
        }
        list.remove(key);
        Poll::Ready(())
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut coop = ready!(coop::poll_proceed(cx));
        let result = match self.state {
            NotifiedState::Init => self.poll_init(cx.waker()),
            NotifiedState::Waiting(key) => self.poll_waiting(key, cx.waker()),
            NotifiedState::Done => panic!("Notified polled after it completed"),
        };
        if result.is_ready() {
            self.state = NotifiedState::Done;
            coop.made_progress();
        }
        result
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let NotifiedState::Waiting(key) = self.state else {
            return;
        };
        let notify = self.notify;
        let mut list = lock(&notify.waiters);
        let was_linked = list.is_linked(key);
        let waiter = list.remove(key);
        if was_linked && list.is_empty() {
            // We were the last waiter; nobody else leaves WAITING without the lock.
            let state = notify.state.load(Acquire);
            if state & MODE == WAITING {
                notify.state.fetch_and(!MODE, AcqRel);
            }
        }
        // A `notify_one` chose us but we will never act on it: pass it on.
        let forwarded = (waiter.notified == Some(Notification::One))
            .then(|| notify.notify_one_locked(&mut list))
            .flatten();
        drop(list);
        if let Some(w) = forwarded {
            w.wake();
        }
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Acquire);
        f.debug_struct("Notify")
            .field("permit_stored", &(state & MODE == NOTIFIED))
            .field("waiting", &(state & MODE == WAITING))
            .finish()
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("state", &self.state)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
#[path = "notify_tests.rs"]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::sync::Arc;
    use crate::loom::thread;

    #[test]
    fn loom_notify_one_vs_register() {
        ::loom::model(|| {
            let notify = Arc::new(Notify::new());
            let n2 = notify.clone();
            let t = thread::spawn(move || n2.notify_one());
            // Whether the permit is stored first or we wait first, we complete.
            ::loom::future::block_on(notify.notified());
            t.join().unwrap();
        });
    }

    #[test]
    fn loom_notify_waiters_vs_register() {
        ::loom::model(|| {
            let notify = Arc::new(Notify::new());
            let n2 = notify.clone();
            let notified = notify.notified(); // created before the call: must complete
            let t = thread::spawn(move || n2.notify_waiters());
            ::loom::future::block_on(notified);
            t.join().unwrap();
        });
    }

    #[test]
    fn loom_notify_dropped_waiter_forwards() {
        ::loom::model(|| {
            let notify = Arc::new(Notify::new());
            let n2 = notify.clone();
            let t = thread::spawn(move || {
                let mut first = Box::pin(n2.notified());
                let polled = first.as_mut().poll(&mut Context::from_waker(Waker::noop()));
                drop(first); // may or may not have been chosen by notify_one
                polled.is_ready()
            });
            notify.notify_one();
            let consumed = t.join().unwrap();
            let mut next = Box::pin(notify.notified());
            let polled = next.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            // Exactly one party sees the one notification: the first poll, or (passed on
            // by the drop, or stored as the permit) the next waiter.
            assert_eq!(polled.is_ready(), !consumed);
        });
    }
}
