//! The drivers: what a parked worker runs while it has nothing else to do.
//!
//! - [`io`]: the mio event loop (epoll), which turns socket readiness into task wakeups.
//!
//! The time driver (the timing wheel in `crate::time::wheel`) joins it here, and both sit
//! behind the scheduler's Park seam: the first worker to park polls epoll with the next
//! timer deadline as its timeout, so no extra reactor thread exists.

pub(crate) mod io;
