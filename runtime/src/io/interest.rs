//! [`Interest`]: which readiness a registration asks the driver to report.

use std::ops;

/// The readiness an [`AsyncFd`](super::unix::AsyncFd) is registered for: readable,
/// writable, or both (`Interest::READABLE | Interest::WRITABLE`). A direction left out
/// is never reported, so waiting for it would wait forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interest(mio::Interest);

impl Interest {
    /// Data to read, a peer's end of stream, a connection to accept.
    pub const READABLE: Interest = Interest(mio::Interest::READABLE);
    /// Room to write, a non-blocking connect that finished.
    pub const WRITABLE: Interest = Interest(mio::Interest::WRITABLE);

    /// Both interests.
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0.add(other.0))
    }

    /// Whether readability is asked for.
    pub const fn is_readable(self) -> bool {
        self.0.is_readable()
    }

    /// Whether writability is asked for.
    pub const fn is_writable(self) -> bool {
        self.0.is_writable()
    }

    pub(crate) const fn to_mio(self) -> mio::Interest {
        self.0
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;
    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}
