//! Time: `sleep`, `timeout` and `interval`, on a hierarchical timing wheel.
//!
//! This folder holds only the futures users await; the wheel is part of the time driver:
//! - `crate::driver::time::wheel`: the data structure (O(1) insert and cancel, 1 ms ticks);
//! - `crate::driver::time`: the wheel behind a lock, advanced by the parked worker;
//! - [`sleep()`], [`timeout()`], [`interval()`]: the futures users await.
//!
//! Timers never fire early: deadlines round up to the next millisecond tick. They can
//! fire late by up to about a millisecond, plus however long the runtime's workers stay
//! busy without parking.
//!
//! "Now" is the runtime's clock ([`Instant::now`]), which a current-thread runtime can
//! pause ([`pause`], [`advance`], [`resume`], `Builder::start_paused`): see `pause.rs`.

mod instant;
mod interval;
mod pause;
mod sleep;
mod timeout;

pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};

pub use instant::Instant;
pub use pause::{advance, pause, resume};
pub use std::time::Duration;

#[cfg(all(test, not(loom)))]
mod tests;
