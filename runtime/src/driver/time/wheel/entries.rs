//! The timer entries: a slab of nodes with intrusive doubly linked lists.
//!
//! Every timer is one `Entry` in a `Vec`, addressed by its index. Entries of the same
//! wheel slot are chained through `prev`/`next` indices, so an entry is unlinked in
//! O(1) wherever it sits (that is what makes cancellation by drop O(1)). Vacant entries
//! are chained into a free list through `next` and reused first, so a steady stream of
//! timers allocates nothing once the slab has grown to the peak number alive.
//!
//! An index alone could name a reused entry after its timer was removed, so keys carry
//! the entry's `generation`, bumped on every reuse: a stale key never matches.
//!
//! States of an entry:
//! - `Vacant`: on the free list;
//! - `Waiting { level, slot }`: linked into that slot's list on the wheel;
//! - `Beyond`: its deadline lies past the wheel's horizon; linked into the "beyond" list,
//!   it never fires and is only ever removed;
//! - `Fired`: its deadline passed and its waker was taken; linked nowhere, kept until its
//!   owner removes it, so the owner can see that it fired.

use std::task::Waker;

/// "No entry": the end of a list.
pub(super) const NIL: u32 = u32::MAX;

/// Where an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Place {
    Vacant,
    Waiting { level: usize, slot: usize },
    Beyond,
    Fired,
}

/// One timer.
#[derive(Debug)]
pub(super) struct Entry {
    /// The tick at which it fires.
    pub(super) when: u64,
    /// Whom to wake when it fires (`None` once fired, or before a waker is known).
    pub(super) waker: Option<Waker>,
    pub(super) place: Place,
    /// Bumped on each reuse of this slab index, so stale keys are told apart.
    pub(super) generation: u32,
    pub(super) prev: u32,
    pub(super) next: u32,
}

/// The slab of entries plus its free list.
#[derive(Debug, Default)]
pub(super) struct Entries {
    slab: Vec<Entry>,
    free: Option<u32>,
    live: usize,
}

impl Entries {
    /// Number of entries that are not vacant.
    #[cfg(test)]
    pub(super) fn live(&self) -> usize {
        self.live
    }

    /// Allocates an entry (vacant-list first), returning its index and generation.
    pub(super) fn alloc(&mut self, when: u64, waker: Waker) -> (u32, u32) {
        self.live += 1;
        match self.free {
            Some(index) => {
                let entry = &mut self.slab[index as usize];
                debug_assert_eq!(entry.place, Place::Vacant);
                self.free = (entry.next != NIL).then_some(entry.next);
                entry.generation = entry.generation.wrapping_add(1);
                entry.when = when;
                entry.waker = Some(waker);
                entry.place = Place::Fired; // not linked yet; the wheel links it next
                entry.prev = NIL;
                entry.next = NIL;
                (index, entry.generation)
            }
            None => {
                let index = u32::try_from(self.slab.len())
                    .ok()
                    .filter(|&i| i != NIL)
                    .expect("more than 4 billion timers alive at once");
                self.slab.push(Entry {
                    when,
                    waker: Some(waker),
                    place: Place::Fired,
                    generation: 0,
                    prev: NIL,
                    next: NIL,
                });
                (index, 0)
            }
        }
    }

    /// Returns an unlinked entry to the free list.
    pub(super) fn free(&mut self, index: u32) {
        let free = self.free.unwrap_or(NIL);
        let entry = &mut self.slab[index as usize];
        debug_assert!(matches!(entry.place, Place::Fired), "free a linked entry");
        entry.place = Place::Vacant;
        entry.waker = None;
        entry.prev = NIL;
        entry.next = free;
        self.free = Some(index);
        self.live -= 1;
    }

    /// The entry at `index` if `generation` still names it and it is not vacant.
    pub(super) fn get(&self, index: u32, generation: u32) -> Option<&Entry> {
        self.slab
            .get(index as usize)
            .filter(|e| e.generation == generation && e.place != Place::Vacant)
    }

    /// Mutable twin of [`Entries::get`].
    pub(super) fn get_mut(&mut self, index: u32, generation: u32) -> Option<&mut Entry> {
        self.slab
            .get_mut(index as usize)
            .filter(|e| e.generation == generation && e.place != Place::Vacant)
    }

    pub(super) fn at(&self, index: u32) -> &Entry {
        &self.slab[index as usize]
    }

    pub(super) fn at_mut(&mut self, index: u32) -> &mut Entry {
        &mut self.slab[index as usize]
    }

    /// Links `index` at the front of the list whose head is `head`; returns the new head.
    pub(super) fn push_front(&mut self, head: u32, index: u32, place: Place) -> u32 {
        let entry = self.at_mut(index);
        entry.prev = NIL;
        entry.next = head;
        entry.place = place;
        if head != NIL {
            self.at_mut(head).prev = index;
        }
        index
    }

    /// Unlinks `index` from the list whose head is `head`; returns the list's new head.
    /// The entry is left `Fired` (linked nowhere).
    pub(super) fn unlink(&mut self, head: u32, index: u32) -> u32 {
        let (prev, next) = {
            let entry = self.at_mut(index);
            let links = (entry.prev, entry.next);
            entry.prev = NIL;
            entry.next = NIL;
            entry.place = Place::Fired;
            links
        };
        if next != NIL {
            self.at_mut(next).prev = prev;
        }
        if prev != NIL {
            self.at_mut(prev).next = next;
            head
        } else {
            debug_assert_eq!(head, index, "an entry without prev heads its list");
            next
        }
    }
}
