//! A hierarchical timing wheel: where every `sleep` waits for its deadline.
//!
//! ## The idea (Varghese and Lauck, "Hashed and Hierarchical Timing Wheels", SOSP 1987)
//! Time is counted in ticks of 1 ms since the runtime started. A sorted structure (a heap,
//! a B-tree) would cost O(log n) per timer; a wheel costs O(1) to insert and to cancel,
//! which matters because most timers in a network program are cancelled (a `timeout`
//! whose operation finished first) rather than fired.
//!
//! The wheel has [`LEVELS`] levels of 64 slots, like the digits of a clock written in
//! base 64. Level 0 has one slot per tick and spans 64 ticks; level 1 one slot per 64
//! ticks and spans 4096; level `L` one slot per `64^L` ticks. A timer due at tick `when`
//! goes on the lowest level on which `when` and the wheel's current time `elapsed` share
//! every higher digit: the level of the highest base-64 digit in which they differ
//! ([`level_for`]); its slot is `when`'s digit on that level.
//!
//! ## Advancing
//! To advance to `now`, the wheel repeatedly finds the earliest non-empty slot (each
//! level answers with one rotate and trailing-zeros on its occupancy mask), moves its
//! clock to that slot's start, and empties the slot: entries due by then fire, the rest
//! (a higher-level slot spans many ticks) are re-inserted and fall to a lower level —
//! the *cascade*. A timer is touched at most once per level, so firing costs O(LEVELS).
//!
//! ## States and invariants
//! - Each entry is `Vacant`, `Waiting` in exactly one slot's list, `Beyond` (deadline past
//!   the horizon: never fires), or `Fired` (see `entries.rs`).
//! - A `Waiting` entry on level `L` shares every base-64 digit above `L` with `elapsed`,
//!   and `when >= elapsed`; so no slot lies in a later turn of its level and nothing due
//!   is ever skipped.
//! - Timers never fire early: an entry fires only when the wheel has advanced to a
//!   time `>= when`.
//! - `elapsed` only grows.
//!
//! ## The horizon
//! Six levels of 64 slots span `2^36` ticks, about 795 days of runtime uptime at 1 ms.
//! A deadline at or past that horizon (`sleep(Duration::MAX)`, say) can never be reached
//! by this runtime's clock, so it is parked in the `Beyond` list: it never fires and
//! still cancels in O(1). (tokio clamps such deadlines to its horizon instead, which
//! would fire them after 2.2 years of uptime.)
//!
//! The layout (6 levels x 64 slots, 1 ms) follows tokio's `runtime/time/wheel`; the
//! slab of indices instead of intrusive pointers keeps this module free of `unsafe`.

mod entries;
mod level;

use std::task::Waker;

use entries::{Entries, NIL, Place};
use level::{Level, SLOT_BITS, slot_for};

/// Number of levels.
pub(crate) const LEVELS: usize = 6;

/// The first tick the wheel cannot represent: `64^LEVELS`.
pub(crate) const HORIZON: u64 = 1 << (SLOT_BITS as usize * LEVELS);

/// Names one timer in the wheel. Stale keys (the timer was removed, its entry reused)
/// are recognised and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    index: u32,
    generation: u32,
}

/// The wheel. Not thread-safe by itself: the time driver keeps it behind a lock.
#[derive(Debug)]
pub(crate) struct TimerWheel {
    /// The tick the wheel has advanced to.
    elapsed: u64,
    levels: [Level; LEVELS],
    entries: Entries,
    /// Head of the list of entries past the horizon.
    beyond: u32,
}

/// The level on which a timer due at `when` goes while the wheel is at `elapsed`:
/// that of the highest base-64 digit in which the two differ (0 if only the lowest does).
fn level_for(elapsed: u64, when: u64) -> usize {
    let differing = (elapsed ^ when) | ((1 << SLOT_BITS) - 1);
    let highest_bit = 63 - differing.leading_zeros() as usize;
    highest_bit / SLOT_BITS as usize
}

impl Default for TimerWheel {
    fn default() -> Self {
        Self::new()
    }
}

impl TimerWheel {
    /// An empty wheel at tick 0.
    pub(crate) fn new() -> TimerWheel {
        TimerWheel {
            elapsed: 0,
            levels: std::array::from_fn(Level::new),
            entries: Entries::default(),
            beyond: NIL,
        }
    }

    /// The tick the wheel has advanced to: a timer due at or before it is created fired.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// How many timers exist (waiting, beyond the horizon, or fired but not removed).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.live()
    }

    /// Adds a timer due at tick `when`, woken through `waker`.
    ///
    /// A timer already due (`when <= elapsed`) is created in the fired state: the caller
    /// sees that at once through [`TimerWheel::poll_fired`] and must still remove it.
    pub(crate) fn insert(&mut self, when: u64, waker: Waker) -> TimerKey {
        let (index, generation) = self.entries.alloc(when, waker);
        if when <= self.elapsed {
            self.entries.at_mut(index).waker = None; // due already: fired, nobody to wake
        } else {
            self.link(index);
        }
        TimerKey { index, generation }
    }

    /// Links an unlinked entry into the slot (or beyond-list) its deadline calls for.
    /// Requires `when > elapsed`.
    fn link(&mut self, index: u32) {
        let when = self.entries.at(index).when;
        debug_assert!(when > self.elapsed);
        if when >= HORIZON {
            self.beyond = self.entries.push_front(self.beyond, index, Place::Beyond);
            return;
        }
        let level = level_for(self.elapsed, when);
        let slot = slot_for(when, level);
        let head = self.levels[level].head(slot);
        let head = self
            .entries
            .push_front(head, index, Place::Waiting { level, slot });
        self.levels[level].set_head(slot, head);
    }

    /// Unlinks a waiting or beyond entry, leaving it fired (linked nowhere).
    fn unlink(&mut self, index: u32) {
        match self.entries.at(index).place {
            Place::Waiting { level, slot } => {
                let head = self.levels[level].head(slot);
                let head = self.entries.unlink(head, index);
                self.levels[level].set_head(slot, head);
            }
            Place::Beyond => self.beyond = self.entries.unlink(self.beyond, index),
            Place::Fired | Place::Vacant => {}
        }
    }

    /// Removes a timer, fired or not, in O(1). Returns whether the key was live.
    pub(crate) fn remove(&mut self, key: TimerKey) -> bool {
        if self.entries.get(key.index, key.generation).is_none() {
            return false;
        }
        self.unlink(key.index);
        self.entries.free(key.index);
        true
    }

    /// `true` if the timer has fired; otherwise stores `waker` (if it differs from the
    /// stored one) to be woken when it does and returns `false`.
    pub(crate) fn poll_fired(&mut self, key: TimerKey, waker: &Waker) -> bool {
        let Some(entry) = self.entries.get_mut(key.index, key.generation) else {
            return true; // removed: treat as done rather than wait forever
        };
        if entry.place == Place::Fired {
            return true;
        }
        match &mut entry.waker {
            Some(stored) if stored.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        false
    }

    /// Moves a timer to a new deadline (used by `Sleep::reset` and `interval`), keeping
    /// its waker; a fired timer is re-armed and gets a waker at its next `poll_fired`.
    pub(crate) fn reset(&mut self, key: TimerKey, when: u64) -> bool {
        if self.entries.get(key.index, key.generation).is_none() {
            return false;
        }
        self.unlink(key.index);
        let entry = self.entries.at_mut(key.index);
        entry.when = when;
        if when <= self.elapsed {
            entry.waker = None;
        } else {
            self.link(key.index);
        }
        true
    }

    /// The earliest tick at which some timer is due, or `None` if none is waiting.
    /// The driver sleeps until then at most.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        self.next_slot().map(|(deadline, _)| deadline)
    }

    /// The earliest non-empty slot: its start tick and its level.
    ///
    /// Lower levels hold earlier slots than any slot above them (an entry on a higher
    /// level differs from `elapsed` in a higher digit, so it lies past the end of every
    /// lower level's current turn): the first level that answers has the earliest one.
    fn next_slot(&self) -> Option<(u64, usize)> {
        self.levels.iter().enumerate().find_map(|(index, level)| {
            level
                .next_expiration(self.elapsed)
                .map(|deadline| (deadline, index))
        })
    }

    /// Advances the clock to `now`, firing every timer due by then: each fired timer's
    /// waker is handed to `fire` (the caller wakes them after releasing its lock).
    /// Returns the number of timers fired. A `now` in the past changes nothing.
    pub(crate) fn advance(&mut self, now: u64, mut fire: impl FnMut(Waker)) -> usize {
        let now = now.min(HORIZON - 1);
        let mut fired = 0;
        while let Some((deadline, level)) = self.next_slot().filter(|&(d, _)| d <= now) {
            self.elapsed = deadline;
            let mut index = self.levels[level].take_slot(slot_for(deadline, level));
            while index != NIL {
                let next = self.entries.at(index).next;
                let entry = self.entries.at_mut(index);
                entry.prev = NIL;
                entry.next = NIL;
                entry.place = Place::Fired;
                if entry.when <= self.elapsed {
                    fired += 1;
                    if let Some(waker) = entry.waker.take() {
                        fire(waker);
                    }
                } else {
                    self.link(index); // cascade to a lower level
                }
                index = next;
            }
        }
        self.elapsed = self.elapsed.max(now);
        fired
    }
}

#[cfg(test)]
mod tests;
// Not under Miri (random sequences of thousands of operations: minutes there; the wheel
// has no `unsafe` for Miri to check) nor loom.
#[cfg(all(test, not(miri), not(loom)))]
mod model_tests;
