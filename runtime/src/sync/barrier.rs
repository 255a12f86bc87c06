//! `Barrier`: `n` tasks wait until all `n` have arrived, then all continue.
//!
//! ```no_run
//! use spindle::sync::Barrier;
//! # async fn demo(barrier: &Barrier) {
//! let result = barrier.wait().await;
//! if result.is_leader() {
//!     // exactly one of the n tasks of this round gets here
//! }
//! # }
//! # fn main() {}
//! ```
//!
//! ## The algorithm
//! A lock guards `{ arrived, generation, waiters }`. Each `wait()` counts itself in; the
//! `n`-th arrival is the *leader*: it resets `arrived` to 0, starts the next generation,
//! and releases every queued waiter of the current one. The barrier is then ready for
//! the next round (it is reusable, like `std::sync::Barrier`).
//!
//! Invariant: `arrived < n` between rounds, and `arrived` equals the number of futures of
//! the current generation that are queued.
//!
//! ## Cancellation
//! Dropping a waiting `wait()` future **withdraws** its arrival (tokio's `Barrier` does
//! not; its arrival stays counted), so a cancelled participant can never make a round
//! complete with fewer than `n` live tasks. A future dropped after its round completed
//! has nothing to undo. In that sense `wait` is cancel-safe.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use super::batch_semaphore::lock;
use super::wait_list::{Key, WaitList};
use super::wake_batch::WakeBatch;
use crate::coop;
use crate::loom::sync::Mutex;

/// A reusable rendezvous: `n` tasks wait until all `n` have arrived.
///
/// ```no_run
/// use spindle::sync::Barrier;
/// # async fn demo(barrier: &Barrier) {
/// if barrier.wait().await.is_leader() {
///     // exactly one of the n tasks of this round gets here
/// }
/// # }
/// # fn main() {}
/// ```
///
/// The `n`-th arrival of a round is its *leader* and releases the others; the barrier is
/// then ready for the next round.
///
/// **Cancellation:** dropping a waiting `wait()` future withdraws its arrival (unlike
/// tokio's `Barrier`), so a round never completes with fewer than `n` live participants.
pub struct Barrier {
    n: usize,
    state: Mutex<State>,
}

struct State {
    arrived: usize,
    generation: u64,
    waiters: WaitList<Option<Waker>>,
}

/// What [`Barrier::wait`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(pub(crate) bool);

impl BarrierWaitResult {
    /// True for exactly one task per round: the one whose arrival completed it.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

/// The future of [`Barrier::wait`].
#[must_use = "futures do nothing unless polled"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    key: Option<Key>,
    done: bool,
}

impl Barrier {
    /// A barrier for `n` tasks (`n == 0` behaves as `n == 1`, like tokio's).
    pub fn new(n: usize) -> Barrier {
        Barrier {
            n: n.max(1),
            state: Mutex::new(State {
                arrived: 0,
                generation: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Arrives and waits for the rest of this round.
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            key: None,
            done: false,
        }
    }
}

impl BarrierWait<'_> {
    fn arrive(&mut self, waker: &Waker) -> Poll<BarrierWaitResult> {
        let mut state = lock(&self.barrier.state);
        state.arrived += 1;
        if state.arrived < self.barrier.n {
            self.key = Some(state.waiters.push_back(Some(waker.clone())));
            return Poll::Pending;
        }
        // Leader: release the round.
        state.arrived = 0;
        state.generation = state.generation.wrapping_add(1);
        let mut wake = WakeBatch::new();
        while let Some(key) = state.waiters.pop_front() {
            wake.push(state.waiters.get_mut(key).take());
        }
        drop(state);
        wake.wake_all();
        Poll::Ready(BarrierWaitResult(true))
    }

    fn poll_queued(&mut self, key: Key, waker: &Waker) -> Poll<BarrierWaitResult> {
        let mut state = lock(&self.barrier.state);
        if state.waiters.is_linked(key) {
            let slot = state.waiters.get_mut(key);
            if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *slot = Some(waker.clone());
            }
            return Poll::Pending;
        }
        state.waiters.remove(key);
        self.key = None;
        Poll::Ready(BarrierWaitResult(false))
    }
}

impl Future for BarrierWait<'_> {
    type Output = BarrierWaitResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        assert!(!self.done, "BarrierWait polled after it completed");
        let mut coop = ready!(coop::poll_proceed(cx));
        let result = match self.key {
            None => self.arrive(cx.waker()),
            Some(key) => self.poll_queued(key, cx.waker()),
        };
        if result.is_ready() {
            self.done = true;
            coop.made_progress();
        }
        result
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut state = lock(&self.barrier.state);
        if state.waiters.is_linked(key) {
            // Still waiting: take our arrival back.
            state.arrived -= 1;
        }
        state.waiters.remove(key);
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &state.arrived)
            .field("generation", &state.generation)
            .finish()
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("queued", &self.key.is_some())
            .finish()
    }
}
