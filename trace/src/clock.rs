//! The session's clock: nanoseconds since one epoch `Instant`.
//!
//! Every lane copies the recorder's epoch, so all lanes of a session share one time axis
//! and events of different threads compare directly. `Instant` is `CLOCK_MONOTONIC`
//! (a vDSO call reading the TSC on this machine, ~20 ns, no system call), never goes
//! backwards on one thread, and agrees across cores: within a lane, timestamps are
//! non-decreasing, which the snapshot and the exporters rely on (no sorting needed).
//!
//! `u64` nanoseconds cover 584 years; a `Duration` would be 16 bytes per event.

use std::time::Instant;

/// A copy of the session's epoch; cheap to copy into every lane.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    epoch: Instant,
}

impl Clock {
    /// A clock whose zero is now.
    pub(crate) fn start() -> Clock {
        Clock {
            epoch: Instant::now(),
        }
    }

    /// Nanoseconds since the epoch (saturating at `u64::MAX`, in 584 years).
    #[inline]
    pub(crate) fn now_ns(&self) -> u64 {
        let d = Instant::now().saturating_duration_since(self.epoch);
        // as_nanos() is a u128; this is the same sum in u64 without the 128-bit multiply.
        d.as_secs()
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(d.subsec_nanos()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_ns_is_monotonic() {
        let clock = Clock::start();
        let mut last = 0;
        for _ in 0..1000 {
            let t = clock.now_ns();
            assert!(t >= last);
            last = t;
        }
    }
}
