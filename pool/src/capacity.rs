//! The queue bound of `Builder::queue_capacity`: how many `execute`/`spawn` jobs may sit
//! in the queues, and who waits for room.
//!
//! ## What is counted, and where
//! A *slot* is taken when an `execute`/`spawn`/`try_*`/`spawn_async` job is submitted
//! and given back when a worker *starts* it (`WorkerThread::run_job`, before the body
//! runs). So `queued` counts jobs queued but not started, wherever they sit: the
//! injector, a worker's deque, or a batch a worker stole into its own deque. Jobs of a
//! scope and the halves of `join` take no slot: they are bounded by the caller's own
//! stack frame (the scope waits for them), not by a queue that can grow on its own.
//! The slot travels with the job as a flag (`Job::slot`), like the admission flag.
//!
//! ## The waiters
//! Whoever finds the queue full and may wait — a thread blocked in `spawn`/`execute`,
//! or a `SpawnAsync` future — puts a [`Waker`] into one FIFO list (a blocked thread's
//! waker unparks it). Both kinds wait the same way, so neither starves the other.
//!
//! | step | taker (try again, then wait) | releaser (a job starts) |
//! |---|---|---|
//! | 1 | `try_acquire` fails | `queued.fetch_sub(1)` (SeqCst) |
//! | 2 | lock; push waker; `waiting += 1` (RMW) | `waiting.fetch_add(0)` (RMW): 0 → done |
//! | 3 | `try_acquire` again, still under the lock | > 0: lock; pop the oldest waker; `waiting -= 1` |
//! | 4 | success: remove own entry if still there | unlock; wake it |
//! | 5 | failure: unlock, sleep until woken, go to 1 | |
//!
//! Invariants:
//! 1. No lost wakeup. The releaser reads `waiting` with a read-modify-write
//!    (`fetch_add(0)`), not a load: if it read `waiting == 0`, its RMW precedes the
//!    taker's `waiting += 1` in that word's modification order, so the taker's RMW
//!    synchronises with it (release/acquire suffice; no reliance on SeqCst's total
//!    order, which loom does not model — a plain SeqCst load failed the loom model),
//!    the releaser's `fetch_sub` happens before the taker's second try (step 3), and that
//!    try sees the freed slot. Otherwise the releaser locks, which it
//!    can only do before step 2 (then it pops an older waiter, or none is left) or after
//!    the taker's step 3 — when the taker's waker is in the list or the taker has a slot.
//! 2. One wake per freed slot: a release pops at most one waker. A woken waiter that
//!    finds the slot taken by a barging `try_acquire` goes back into the list; the
//!    barger's job gives the slot back when it starts, with a wake of its own.
//! 3. A woken future that is dropped before it used its wake passes it on
//!    (`SpawnAsync`'s `Drop` calls [`Capacity::pass_on`]), so a cancelled `.await`
//!    never swallows the wake of a slot.
//! 4. `close` (shutdown) wakes every waiter and refuses every later wait: a blocked
//!    spawner gets `Rejected`, a pending future resolves to a rejected handle.
//!
//! The loom model at the bottom runs a releaser against a taker that must wait.

use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use std::collections::VecDeque;
use std::sync::atomic::AtomicU64;
use std::task::Waker;
use std::time::Duration;

/// Why a wait for room ended without a slot.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Closed;

/// A waiter's place in the list: its ticket, to find it again.
pub(crate) type Ticket = u64;

struct Waiters {
    closed: bool,
    next: Ticket,
    list: VecDeque<(Ticket, Waker)>,
}

/// The bound, the count of taken slots, and the waiters (see the module header).
pub(crate) struct Capacity {
    limit: usize,
    queued: AtomicUsize,
    /// `waiters.list.len()`, readable without the lock (step 2 of the releaser).
    waiting: AtomicUsize,
    waiters: Mutex<Waiters>,
    rejections: AtomicU64,
    blocked_nanos: AtomicU64,
}

/// What [`Capacity::register`] found.
pub(crate) enum Registered {
    /// The second try got a slot; nothing stays in the list.
    Acquired,
    /// The waker is in the list under this ticket.
    Waiting(Ticket),
}

impl Capacity {
    pub(crate) fn new(limit: usize) -> Capacity {
        Capacity {
            limit,
            queued: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters {
                closed: false,
                next: 0,
                list: VecDeque::new(),
            }),
            rejections: AtomicU64::new(0),
            blocked_nanos: AtomicU64::new(0),
        }
    }

    /// Takes a slot if one is free (never waits).
    pub(crate) fn try_acquire(&self) -> bool {
        self.queued
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |q| {
                (q < self.limit).then_some(q + 1)
            })
            .is_ok()
    }

    /// Gives a slot back (its job started, or was never queued) and wakes the oldest
    /// waiter, if any (the releaser's column of the table).
    pub(crate) fn release(&self) {
        self.queued.fetch_sub(1, Ordering::SeqCst);
        // A read-modify-write, not a load: see invariant 1.
        if self.waiting.fetch_add(0, Ordering::SeqCst) > 0 {
            self.wake_one();
        }
    }

    fn wake_one(&self) {
        let mut w = crate::loom::lock(&self.waiters);
        let woken = w.list.pop_front();
        if woken.is_some() {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
        drop(w);
        if let Some((_, waker)) = woken {
            waker.wake();
        }
    }

    /// Steps 2-4 of the taker: puts `waker` in the list, then tries once more. Refused
    /// after [`Capacity::close`].
    pub(crate) fn register(&self, waker: &Waker) -> Result<Registered, Closed> {
        let mut w = crate::loom::lock(&self.waiters);
        if w.closed {
            return Err(Closed);
        }
        let ticket = w.next;
        w.next += 1;
        w.list.push_back((ticket, waker.clone()));
        self.waiting.fetch_add(1, Ordering::SeqCst);
        if self.try_acquire() {
            Self::remove(&self.waiting, &mut w, ticket);
            return Ok(Registered::Acquired);
        }
        Ok(Registered::Waiting(ticket))
    }

    /// Removes `ticket` from the list; whether it was still there (false: it was woken).
    fn remove(waiting: &AtomicUsize, w: &mut Waiters, ticket: Ticket) -> bool {
        match w.list.iter().position(|(t, _)| *t == ticket) {
            Some(i) => {
                w.list.remove(i);
                waiting.fetch_sub(1, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// A waiter gives up (a dropped future): leaves the list, or, if it was already
    /// woken for a slot it will not take, passes the wake on (invariant 3).
    pub(crate) fn pass_on(&self, ticket: Ticket) {
        let mut w = crate::loom::lock(&self.waiters);
        let was_waiting = Self::remove(&self.waiting, &mut w, ticket);
        drop(w);
        if !was_waiting {
            self.wake_one();
        }
    }

    /// A waiter polled again while still in the list: refresh its waker (the task may
    /// have moved). Returns false if it was woken in between (then it must try again).
    pub(crate) fn refresh(&self, ticket: Ticket, waker: &Waker) -> bool {
        let mut w = crate::loom::lock(&self.waiters);
        match w.list.iter_mut().find(|(t, _)| *t == ticket) {
            Some((_, old)) => {
                if !old.will_wake(waker) {
                    *old = waker.clone();
                }
                true
            }
            None => false,
        }
    }

    /// Shutdown: refuse every later wait and wake every waiter (invariant 4).
    pub(crate) fn close(&self) {
        let mut w = crate::loom::lock(&self.waiters);
        w.closed = true;
        let all: Vec<_> = w.list.drain(..).collect();
        self.waiting.store(0, Ordering::SeqCst);
        drop(w);
        for (_, waker) in all {
            waker.wake();
        }
    }

    /// Whether [`Capacity::close`] ran.
    pub(crate) fn is_closed(&self) -> bool {
        crate::loom::lock(&self.waiters).closed
    }

    /// A `try_*` call found the queue full.
    pub(crate) fn count_rejection(&self) {
        self.rejections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// A caller spent `d` blocked for room.
    pub(crate) fn count_blocked(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.blocked_nanos
            .fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many waiters are in the list now (tests watch a caller start waiting).
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// The bound.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// (rejections, total time blocked) so far.
    pub(crate) fn totals(&self) -> (u64, Duration) {
        (
            self.rejections.load(std::sync::atomic::Ordering::Relaxed),
            Duration::from_nanos(
                self.blocked_nanos
                    .load(std::sync::atomic::Ordering::Relaxed),
            ),
        )
    }
}

/// Blocks the calling thread until a slot is free (steps 1-5 with a waker that unparks
/// this thread), or the pool closes.
pub(crate) fn acquire_blocking(capacity: &Capacity) -> Result<(), Closed> {
    if capacity.try_acquire() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let result = loop {
        let unpark = std::sync::Arc::new(Unpark {
            thread: std::thread::current(),
            woken: std::sync::atomic::AtomicBool::new(false),
        });
        let waker = Waker::from(unpark.clone());
        match capacity.register(&waker) {
            Err(Closed) => break Err(Closed),
            Ok(Registered::Acquired) => break Ok(()),
            Ok(Registered::Waiting(_)) => {}
        }
        // Park until our own waker ran (parks can end spuriously; `woken` says why).
        while !unpark.woken.load(std::sync::atomic::Ordering::Acquire) {
            std::thread::park();
        }
        if capacity.try_acquire() {
            break Ok(());
        }
    };
    capacity.count_blocked(started.elapsed());
    result
}

/// The waker of a thread blocked in [`acquire_blocking`].
struct Unpark {
    thread: std::thread::Thread,
    woken: std::sync::atomic::AtomicBool,
}

impl std::task::Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, std::sync::atomic::Ordering::Release);
        self.thread.unpark();
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::{Capacity, Registered};
    use crate::loom::sync::Arc;
    use crate::loom::sync::atomic::{AtomicBool, Ordering};
    use crate::loom::thread;
    use std::task::{Wake, Waker};

    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// A full queue of one slot: a taker registers while a releaser frees the slot.
    /// Either the taker's second try gets the slot, or its waker is woken (no lost
    /// wakeup, invariant 1), and never both a slot and a leftover list entry.
    #[test]
    fn loom_capacity_release_vs_register_no_lost_wakeup() {
        loom::model(|| {
            let cap = Arc::new(Capacity::new(1));
            assert!(cap.try_acquire());
            let releaser = {
                let cap = cap.clone();
                thread::spawn(move || cap.release())
            };
            let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let got =
                cap.try_acquire() || matches!(cap.register(&waker).unwrap(), Registered::Acquired);
            releaser.join().unwrap();
            if got {
                assert_eq!(cap.waiting.load(Ordering::SeqCst), 0);
            } else {
                assert!(
                    flag.0.load(Ordering::SeqCst),
                    "the freed slot's wake was lost"
                );
                assert!(cap.try_acquire());
            }
        });
    }
}
