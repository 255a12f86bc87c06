//! One level of the timing wheel: 64 slots, each the head of a list of timer entries,
//! and a 64-bit occupancy mask with bit `i` set exactly when slot `i` is non-empty.
//!
//! Level `L` covers time in slots of `64^L` ticks; one turn of the level is `64^(L+1)`
//! ticks. An entry whose deadline `when` is placed on level `L` sits in slot
//! `(when >> (6 * L)) % 64`, the level-`L` "digit" of `when` written in base 64.
//!
//! The mask turns "which slot holds the next timer?" into one rotate and one
//! count-trailing-zeros instead of a scan of 64 heads.

use super::entries::NIL;

/// Slots per level (a power of two, so digits are shifts and masks).
pub(super) const SLOTS: usize = 64;
/// `log2(SLOTS)`: the width in bits of one level's digit.
pub(super) const SLOT_BITS: u32 = 6;

/// Ticks covered by one slot of `level`.
pub(super) const fn slot_range(level: usize) -> u64 {
    1 << (SLOT_BITS as usize * level)
}

/// Ticks covered by one whole turn of `level`.
pub(super) const fn level_range(level: usize) -> u64 {
    1 << (SLOT_BITS as usize * (level + 1))
}

/// The slot on `level` that holds time `when`.
pub(super) const fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (SLOT_BITS as usize * level)) as usize) & (SLOTS - 1)
}

/// The 64 list heads of one level and the mask of the non-empty ones.
#[derive(Debug)]
pub(super) struct Level {
    /// Which level this is (0 = finest, 1-tick slots).
    level: usize,
    /// Bit `i` is set iff `heads[i] != NIL`.
    occupied: u64,
    /// Index (into the entry slab) of the first entry of each slot's list, or `NIL`.
    heads: [u32; SLOTS],
}

impl Level {
    pub(super) const fn new(level: usize) -> Level {
        Level {
            level,
            occupied: 0,
            heads: [NIL; SLOTS],
        }
    }

    pub(super) fn head(&self, slot: usize) -> u32 {
        self.heads[slot]
    }

    /// Sets the head of `slot`'s list, keeping the occupancy bit in step.
    pub(super) fn set_head(&mut self, slot: usize, head: u32) {
        self.heads[slot] = head;
        if head == NIL {
            self.occupied &= !(1 << slot);
        } else {
            self.occupied |= 1 << slot;
        }
    }

    /// Takes the whole list of `slot`, leaving it empty; returns its head.
    pub(super) fn take_slot(&mut self, slot: usize) -> u32 {
        let head = self.heads[slot];
        self.set_head(slot, NIL);
        head
    }

    /// The start time of the first non-empty slot of this level at or after `now`,
    /// or `None` if the level is empty.
    ///
    /// `now`'s own slot counts: an entry there fires at the start of the slot, which
    /// for level 0 is `now` itself. Slots "before" `now`'s in the rotation belong to
    /// the level's next turn.
    pub(super) fn next_expiration(&self, now: u64) -> Option<u64> {
        if self.occupied == 0 {
            return None;
        }
        let now_slot = slot_for(now, self.level);
        let distance = self.occupied.rotate_right(now_slot as u32).trailing_zeros() as u64;
        let slot = (now_slot as u64 + distance) % SLOTS as u64;
        let level_start = now & !(level_range(self.level) - 1);
        let deadline = level_start + slot * slot_range(self.level);
        // No slot lies in a later turn of its level: the wheel keeps every deadline below
        // its horizon, so an entry shares `now`'s digits above its own level.
        debug_assert!(
            distance == 0 || deadline > now,
            "a slot wrapped past the horizon"
        );
        Some(deadline.max(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_digits() {
        assert_eq!(slot_range(0), 1);
        assert_eq!(level_range(0), 64);
        assert_eq!(slot_range(1), 64);
        assert_eq!(slot_for(130, 0), 2);
        assert_eq!(slot_for(130, 1), 2);
        assert_eq!(slot_for(64 * 64 * 5 + 7, 2), 5);
    }

    #[test]
    fn next_expiration_uses_the_mask() {
        let mut level = Level::new(0);
        assert_eq!(level.next_expiration(10), None);
        level.set_head(12, 0);
        level.set_head(40, 1);
        assert_eq!(level.next_expiration(10), Some(12));
        assert_eq!(level.next_expiration(12), Some(12));
        assert_eq!(level.next_expiration(13), Some(40));
        level.set_head(12, NIL);
        assert_eq!(level.next_expiration(0), Some(40));
        assert_eq!(level.take_slot(40), 1);
        assert_eq!(level.next_expiration(0), None);
    }

    #[test]
    fn higher_levels_report_slot_starts() {
        let mut level = Level::new(1);
        // now = 100 is in level-1 slot 1 (64..128); an entry at 300 is in slot 4 (256..320).
        level.set_head(4, 0);
        assert_eq!(level.next_expiration(100), Some(256));
    }
}
