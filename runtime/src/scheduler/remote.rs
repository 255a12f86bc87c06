//! [`RemoteQueue`]: where a task goes when it is scheduled from a thread that does not
//! run its scheduler, and the shutdown protocol that keeps its entries from outliving the
//! runtime. One protocol for every flavour: the multi-thread injector, the
//! current-thread remote queue and a `LocalSet`'s remote queue.
//!
//! ## The protocol (push, fence, check, drain)
//! ```text
//!   pusher                                  shutdown
//!   P1 storage.push(task)                   S1 closed.store(true, SeqCst)
//!   P2 fence(SeqCst)                        S2 ... cancel the tasks (owned list) ...
//!   P3 if closed.load(SeqCst): drain        S3 drain
//!      else: wake the consumer
//! ```
//! Invariant: once both sides are done, the queue is empty. Either S1 is before P3 in
//! the single SeqCst order, so the pusher sees the flag and drains after its own push;
//! or P3 is before S1, and then P1 (before P2's fence, before P3) is visible to S3,
//! which drains the entry. Both may drain: each entry is taken by exactly one of them,
//! under the storage's own synchronisation. An entry is only a reference (`Notified`),
//! so draining it never runs or drops a future (the owned list cancels those, rule 8 of
//! `task/mod.rs`). The model is `loom_push_racing_shutdown_leaves_nothing` below.
//!
//! ## The drain's read
//! The argument needs S3's read of the queue to be ordered after S1 for every pusher.
//! A plain acquire load is not: a SeqCst store followed by an acquire load may still
//! read a value older than a push that the pusher's fence put before its own read of
//! the flag. The loom model found exactly that in a first version, whose drain went
//! through `Locked`'s lock-free emptiness check. So the drain reads through
//! [`Storage::pop_for_drain`]: `Locked` takes the lock (a pusher either locked first,
//! and its entry is seen, or locked after, and then the close happened before its
//! flag read, which sees it), and crossbeam's `Injector::steal` issues a SeqCst fence
//! before it reads the tail (the fence-fence form of the same argument; loom cannot
//! check that form, and the injector is not loom-instrumented).
//!
//! ## Storage
//! [`Storage`] is the queue itself: crossbeam's lock-free `Injector` for the
//! multi-thread scheduler (many pushers, many poppers, batch steals), a [`Locked`]
//! `VecDeque` for the current-thread scheduler and `LocalSet` (one consumer; its length
//! is mirrored in an atomic, so an empty queue is seen without the lock).

use std::collections::VecDeque;

use crossbeam_deque::Injector;
use crossbeam_utils::CachePadded;

use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};

/// A queue a [`RemoteQueue`] can hold.
pub(crate) trait Storage<T> {
    fn push(&self, item: T);
    /// Takes one entry, if any (retrying a lock-free queue's contention).
    fn pop(&self) -> Option<T>;
    /// Takes one entry for the drain (step S3 or P3): unlike `pop`, it must see every
    /// push whose pusher then read the flag as unset (see "The drain's read" above).
    fn pop_for_drain(&self) -> Option<T>;
}

/// The remote queue and its shutdown flag (see the module header).
pub(crate) struct RemoteQueue<S> {
    storage: S,
    closed: CachePadded<AtomicBool>,
}

impl<S> RemoteQueue<S> {
    pub(crate) fn new(storage: S) -> RemoteQueue<S> {
        RemoteQueue {
            storage,
            closed: CachePadded::new(AtomicBool::new(false)),
        }
    }

    /// The queue itself, for the consumer's own pops (batches, emptiness checks).
    pub(crate) fn storage(&self) -> &S {
        &self.storage
    }

    /// Has shutdown begun? (`Acquire`: a consumer's loop check.)
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Has shutdown begun? The `SeqCst` read of a protocol step (a local push that must
    /// not race with the drain, a core handed back during shutdown).
    #[inline]
    pub(crate) fn is_closed_seqcst(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Shutdown step S1: from now on, pushers drain what they push.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// Steps P1-P3: pushes `item`; true if the queue is open (the caller then wakes the
    /// consumer), false if shutdown had begun (then the queue was drained here).
    #[inline]
    pub(crate) fn push<T>(&self, item: T) -> bool
    where
        S: Storage<T>,
    {
        self.storage.push(item);
        fence(Ordering::SeqCst);
        if self.closed.load(Ordering::SeqCst) {
            self.drain();
            return false;
        }
        true
    }

    /// Step S3 (or P3 after a late push): drops every entry, one at a time and outside
    /// the storage's lock (dropping an entry may free a task, whose drop may schedule).
    pub(crate) fn drain<T>(&self)
    where
        S: Storage<T>,
    {
        while let Some(item) = self.storage.pop_for_drain() {
            drop(item);
        }
    }
}

impl<T> Storage<T> for Injector<T> {
    #[inline]
    fn push(&self, item: T) {
        Injector::push(self, item);
    }

    fn pop(&self) -> Option<T> {
        loop {
            match self.steal() {
                crossbeam_deque::Steal::Success(t) => return Some(t),
                crossbeam_deque::Steal::Empty => return None,
                crossbeam_deque::Steal::Retry => crate::loom::hint::spin_loop(),
            }
        }
    }

    fn pop_for_drain(&self) -> Option<T> {
        Storage::pop(self)
    }
}

/// A mutex-protected FIFO whose length is mirrored in an atomic (written under the lock),
/// so a consumer sees an empty queue without locking.
pub(crate) struct Locked<T> {
    queue: Mutex<VecDeque<T>>,
    len: AtomicUsize,
}

impl<T> Locked<T> {
    pub(crate) fn new() -> Locked<T> {
        Locked {
            queue: Mutex::new(VecDeque::new()),
            len: AtomicUsize::new(0),
        }
    }
}

impl<T> Storage<T> for Locked<T> {
    fn push(&self, item: T) {
        let mut q = self.queue.lock().unwrap();
        q.push_back(item);
        self.len.store(q.len(), Ordering::Release);
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        if self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.pop_for_drain()
    }

    fn pop_for_drain(&self) -> Option<T> {
        let mut q = self.queue.lock().unwrap();
        let item = q.pop_front();
        self.len.store(q.len(), Ordering::Release);
        item
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::sync::Arc;
    use crate::loom::thread;
    use std::sync::atomic::AtomicUsize as Counter;

    /// An entry that counts its drops (a std atomic: an observation, not protocol).
    struct Entry(std::sync::Arc<Counter>);
    impl Drop for Entry {
        fn drop(&mut self) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Two pushers race with shutdown (close, then drain): when all are done, the queue
    /// is empty, every entry was dropped exactly once, and a pusher told "open" pushed
    /// before the shutdown's drain could miss it.
    #[test]
    fn loom_push_racing_shutdown_leaves_nothing() {
        loom::model(|| {
            let drops = std::sync::Arc::new(Counter::new(0));
            let q = Arc::new(RemoteQueue::new(Locked::<Entry>::new()));
            let pushers: Vec<_> = (0..2)
                .map(|_| {
                    let (q, drops) = (q.clone(), drops.clone());
                    thread::spawn(move || q.push(Entry(drops)))
                })
                .collect();
            q.close();
            q.drain();
            for p in pushers {
                p.join().unwrap();
            }
            assert!(
                q.storage().pop().is_none(),
                "an entry outlived the shutdown"
            );
            assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 2);
        });
    }

    /// Without shutdown, every push is reported open and reaches the consumer in order.
    #[test]
    fn loom_push_then_pop_sees_every_entry() {
        loom::model(|| {
            let q = Arc::new(RemoteQueue::new(Locked::<usize>::new()));
            let q2 = q.clone();
            let pusher = thread::spawn(move || q2.push(1) && q2.push(2));
            let mut seen = Vec::new();
            while seen.len() < 2 {
                match q.storage().pop() {
                    Some(v) => seen.push(v),
                    None => thread::yield_now(),
                }
            }
            assert!(pusher.join().unwrap());
            assert_eq!(seen, [1, 2]);
        });
    }
}
