//! Readiness: what the kernel said a socket can do now, as a small bit set.
//!
//! mio reports an event as a handful of booleans; the driver folds them into these bits,
//! stores them in the source's state word (`scheduled_io.rs`) and clears them again when
//! an operation finds the socket not ready after all (`WouldBlock`).
//!
//! The "closed" bits are final: once the peer has closed its half, that stays true, so
//! they are never cleared.

use std::ops;

/// A set of readiness bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ready(u8);

impl Ready {
    pub(crate) const EMPTY: Ready = Ready(0);
    pub(crate) const READABLE: Ready = Ready(0b0_0001);
    pub(crate) const WRITABLE: Ready = Ready(0b0_0010);
    pub(crate) const READ_CLOSED: Ready = Ready(0b0_0100);
    pub(crate) const WRITE_CLOSED: Ready = Ready(0b0_1000);
    pub(crate) const ERROR: Ready = Ready(0b1_0000);
    /// Every bit: the width of the field in the state word.
    pub(crate) const ALL: Ready = Ready(0b1_1111);
    /// Bits that, once set, stay set.
    pub(crate) const FINAL: Ready = Ready(0b0_1100);

    /// The bits of a mio event.
    pub(crate) fn from_event(event: &mio::event::Event) -> Ready {
        let mut ready = Ready::EMPTY;
        let pairs = [
            (event.is_readable(), Ready::READABLE),
            (event.is_writable(), Ready::WRITABLE),
            (event.is_read_closed(), Ready::READ_CLOSED),
            (event.is_write_closed(), Ready::WRITE_CLOSED),
            (event.is_error(), Ready::ERROR),
        ];
        for (is, bit) in pairs {
            if is {
                ready = ready | bit;
            }
        }
        ready
    }

    pub(crate) const fn from_bits(bits: usize) -> Ready {
        Ready(bits as u8 & Ready::ALL.0)
    }

    pub(crate) const fn bits(self) -> usize {
        self.0 as usize
    }

    pub(crate) const fn is_empty(self) -> bool {
        self.0 == 0
    }

    #[cfg(test)]
    pub(crate) const fn contains(self, other: Ready) -> bool {
        self.0 & other.0 == other.0
    }

    pub(crate) const fn intersects(self, other: Ready) -> bool {
        self.0 & other.0 != 0
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;
    fn bitor(self, rhs: Ready) -> Ready {
        Ready(self.0 | rhs.0)
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;
    fn bitand(self, rhs: Ready) -> Ready {
        Ready(self.0 & rhs.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;
    fn sub(self, rhs: Ready) -> Ready {
        Ready(self.0 & !rhs.0)
    }
}

/// The two directions a task can wait in. Each has its own waker slot, so a reader and
/// a writer of one socket (say, the two halves of a split `TcpStream`) wait side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The readiness bits that let an operation in this direction make progress (an
    /// error or a closed half also "readies" it: the operation then reports it).
    pub(crate) const fn mask(self) -> Ready {
        match self {
            Direction::Read => Ready(Ready::READABLE.0 | Ready::READ_CLOSED.0 | Ready::ERROR.0),
            Direction::Write => Ready(Ready::WRITABLE.0 | Ready::WRITE_CLOSED.0 | Ready::ERROR.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let r = Ready::READABLE | Ready::READ_CLOSED;
        assert!(r.contains(Ready::READABLE));
        assert!(!r.contains(Ready::WRITABLE));
        assert!(r.intersects(Direction::Read.mask()));
        assert!(!r.intersects(Direction::Write.mask()));
        assert_eq!(r - Ready::READABLE, Ready::READ_CLOSED);
        assert_eq!(Ready::from_bits(r.bits() | 0xFF00), r);
        assert!(Ready::ERROR.intersects(Direction::Write.mask()));
    }
}
