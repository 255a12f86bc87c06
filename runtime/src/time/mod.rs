//! Time: where `sleep`, `timeout` and `interval` will live.
//!
//! For now this holds the timing wheel that the time driver is built on (see
//! [`wheel`]); the driver and the public futures arrive with the event-loop issue.

pub(crate) mod wheel;
