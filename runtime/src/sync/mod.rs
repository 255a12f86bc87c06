//! Async synchronisation: channels, locks, and signals that work on any executor.
//!
//! Everything here talks to the outside world only through `std::task::Waker`, so these
//! primitives run on spindle's runtime, on another executor, or under a hand-written
//! `block_on`. On spindle's runtime each leaf future also spends one unit of the
//! cooperative budget ([`crate::coop`]), so a task looping on an always-ready channel
//! still yields to its neighbours.
//!
//! | type | what it is for |
//! |---|---|
//! | [`oneshot`] | one value, once (a reply slot) |

pub mod oneshot;

#[cfg(all(test, not(loom)))]
pub(crate) mod test_support;
