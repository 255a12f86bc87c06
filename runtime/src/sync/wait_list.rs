//! The FIFO waiter queue under every blocking primitive in this module.
//!
//! A `Semaphore` (and through it `Mutex`, `RwLock` and the bounded `mpsc`), `Notify`,
//! `Barrier` and `broadcast` all park futures in a [`WaitList`] kept behind their own
//! `Mutex`. The list must give:
//! - FIFO order, for fairness (a waiter is served before everyone who came after it);
//! - O(1) removal from the middle, because a waiting future can be dropped at any time
//!   (the losing branch of a `select!`) and must leave the queue at once;
//! - a place for the waker to hand a *result* to the waiter (permits granted, "you were
//!   notified"), which outlives the waiter's membership of the queue.
//!
//! ## Why a slab, not an intrusive list
//! tokio threads its waiters through the futures themselves (an intrusive doubly linked
//! list, `tokio/src/util/linked_list.rs`): no allocation per wait, but every future must
//! be pinned and `!Unpin`, the list is raw pointers, and each access needs an `unsafe`
//! argument that the future has not moved or been freed. async-lock's `event-listener`
//! allocates a listener per wait instead. We choose a middle road: a *slab* (a `Vec` of
//! slots reused through a free list) threaded into a doubly linked list **by index**.
//! It is entirely safe code, waiting futures stay `Unpin`, and the slab's storage is
//! reused, so a steady state allocates nothing. The price is one bounds-checked index
//! per step, invisible next to the lock around it.
//!
//! ## States of a slot
//! ```text
//!            push_back                pop_front / unlink            remove
//!  Vacant ─────────────▶ Linked ──────────────────────────▶ Unlinked ──────▶ Vacant
//!     ▲                     │                 remove                            │
//!     └─────────────────────┴───────────────────────────────────────────────────┘
//! ```
//! - *Linked*: waiting in the queue; `prev`/`next` are valid indices (or `NIL`).
//! - *Unlinked*: taken out of the queue by a waker (it holds the result in its data),
//!   but the slot stays owned by the waiter until the waiter reads it and calls
//!   [`WaitList::remove`], so a slot index is never reused while a future holds it.
//! - *Vacant*: on the free list.
//!
//! Invariants: `head`/`tail` chain exactly the *Linked* slots, in arrival order;
//! `linked` counts them; a [`Key`] names one slot from `push_back` until `remove`.

/// Names a waiter's slot from `push_back` until `remove`.
pub(crate) type Key = usize;

const NIL: usize = usize::MAX;

enum Slot<T> {
    Linked { prev: usize, next: usize, data: T },
    Unlinked { data: T },
    Vacant { next_free: usize },
}

/// A FIFO queue of waiters stored in a slab; see the module docs.
pub(crate) struct WaitList<T> {
    slots: Vec<Slot<T>>,
    head: usize,
    tail: usize,
    free: usize,
    linked: usize,
}

impl<T> WaitList<T> {
    pub(crate) const fn new() -> Self {
        WaitList {
            slots: Vec::new(),
            head: NIL,
            tail: NIL,
            free: NIL,
            linked: 0,
        }
    }

    /// Whether no waiter is queued (unlinked slots do not count).
    pub(crate) fn is_empty(&self) -> bool {
        self.linked == 0
    }

    /// Queues `data` at the back and returns its key.
    pub(crate) fn push_back(&mut self, data: T) -> Key {
        let slot = Slot::Linked {
            prev: self.tail,
            next: NIL,
            data,
        };
        let key = if self.free != NIL {
            let key = self.free;
            let Slot::Vacant { next_free } = self.slots[key] else {
                unreachable!("the free list holds only vacant slots")
            };
            self.free = next_free;
            self.slots[key] = slot;
            key
        } else {
            self.slots.push(slot);
            self.slots.len() - 1
        };
        if self.tail == NIL {
            self.head = key;
        } else {
            self.set_next(self.tail, key);
        }
        self.tail = key;
        self.linked += 1;
        key
    }

    /// The key of the oldest queued waiter.
    pub(crate) fn front(&self) -> Option<Key> {
        (self.head != NIL).then_some(self.head)
    }

    /// Takes the oldest waiter out of the queue, leaving its slot *Unlinked* for the
    /// waiter to read; returns its key.
    pub(crate) fn pop_front(&mut self) -> Option<Key> {
        let key = self.front()?;
        self.unlink(key);
        Some(key)
    }

    /// Takes `key` out of the queue if it is queued (no-op if already unlinked).
    pub(crate) fn unlink(&mut self, key: Key) {
        let (prev, next) = match self.slots[key] {
            Slot::Linked { prev, next, .. } => (prev, next),
            Slot::Unlinked { .. } => return,
            Slot::Vacant { .. } => panic!("WaitList::unlink of a vacant slot"),
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.set_next(prev, next);
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.set_prev(next, prev);
        }
        self.linked -= 1;
        let old = std::mem::replace(&mut self.slots[key], Slot::Vacant { next_free: NIL });
        let Slot::Linked { data, .. } = old else {
            unreachable!()
        };
        self.slots[key] = Slot::Unlinked { data };
    }

    /// Whether `key` is still queued.
    pub(crate) fn is_linked(&self, key: Key) -> bool {
        matches!(self.slots[key], Slot::Linked { .. })
    }

    /// The waiter's data, queued or not.
    pub(crate) fn get_mut(&mut self, key: Key) -> &mut T {
        match &mut self.slots[key] {
            Slot::Linked { data, .. } | Slot::Unlinked { data } => data,
            Slot::Vacant { .. } => panic!("WaitList::get_mut of a vacant slot"),
        }
    }

    /// Frees `key`'s slot (unlinking it first if needed) and returns its data.
    pub(crate) fn remove(&mut self, key: Key) -> T {
        self.unlink(key);
        let old = std::mem::replace(
            &mut self.slots[key],
            Slot::Vacant {
                next_free: self.free,
            },
        );
        self.free = key;
        match old {
            Slot::Unlinked { data } => data,
            _ => unreachable!("unlink leaves the slot unlinked"),
        }
    }

    fn set_next(&mut self, key: Key, to: usize) {
        match &mut self.slots[key] {
            Slot::Linked { next, .. } => *next = to,
            _ => unreachable!("only linked slots are chained"),
        }
    }

    fn set_prev(&mut self, key: Key, to: usize) {
        match &mut self.slots[key] {
            Slot::Linked { prev, .. } => *prev = to,
            _ => unreachable!("only linked slots are chained"),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn order(list: &mut WaitList<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        while let Some(k) = list.pop_front() {
            out.push(list.remove(k));
        }
        out
    }

    #[test]
    fn fifo_order() {
        let mut l = WaitList::new();
        for i in 0..5 {
            l.push_back(i);
        }
        assert_eq!(l.linked, 5);
        assert_eq!(order(&mut l), [0, 1, 2, 3, 4]);
        assert!(l.is_empty());
    }

    #[test]
    fn removal_from_the_middle_keeps_the_order() {
        let mut l = WaitList::new();
        let keys: Vec<_> = (0..5).map(|i| l.push_back(i)).collect();
        assert_eq!(l.remove(keys[2]), 2);
        assert_eq!(l.remove(keys[0]), 0);
        assert_eq!(l.remove(keys[4]), 4);
        assert_eq!(order(&mut l), [1, 3]);
    }

    #[test]
    fn unlinked_slots_are_not_reused_until_removed() {
        let mut l = WaitList::new();
        let a = l.push_back(1);
        assert_eq!(l.pop_front(), Some(a));
        assert!(!l.is_linked(a));
        let b = l.push_back(2);
        assert_ne!(a, b, "a popped waiter still owns its slot");
        *l.get_mut(a) += 10;
        assert_eq!(l.remove(a), 11);
        let c = l.push_back(3);
        assert_eq!(c, a, "a removed slot is reused");
        assert_eq!(order(&mut l), [2, 3]);
    }
}
