//! The session's clock: cheap ticks on the hot path, nanoseconds in the snapshot.
//!
//! ## Why not just `Instant::now()`
//!
//! A poll records two events and a trivial poll costs ~35 ns here, so the clock read is
//! most of what tracing costs. Measured on this machine (2 vCPUs, clocksource `tsc`):
//! `Instant::now()` (the vDSO `clock_gettime`, which reads the TSC and then scales it)
//! costs ~25 ns; the `RDTSC` instruction alone ~13 ns, and a whole [`crate::Lane::record`]
//! with it ~14 ns against ~36 ns with `Instant`. So lanes record raw **ticks** and the
//! snapshot converts them to nanoseconds, the same split the Linux kernel, `perf` and
//! the `minstant`/`quanta` crates use.
//!
//! ## Algorithm
//!
//! [`Clock::start`] reads the epoch as a pair (`Instant`, ticks), taken as close together
//! as it can (`paired_read`). Lanes store ticks.
//! [`Clock::calibrate`] reads a second pair and gives a [`Calibration`]: the ticks
//! elapsed since the epoch map linearly onto the nanoseconds elapsed, so
//! `ns = (ticks - ticks0) × elapsed_ns / elapsed_ticks`, in 128-bit integers. The longer
//! the session, the more exact the ratio (two clock reads ~25 ns apart over 1 ms is an
//! error of 0.0025%). Each snapshot calibrates anew, so two snapshots may place the same
//! event a hair apart.
//!
//! ## When ticks are trusted
//!
//! Only on x86-64 Linux whose kernel itself uses the TSC as its clocksource: the kernel
//! checks at boot that the TSC runs at a constant rate, does not stop in sleep states and
//! is synchronised across cores, and falls back to another clocksource otherwise (see
//! the kernel's `arch/x86/kernel/tsc.c`). Everywhere else, and under Miri, a tick *is* a
//! nanosecond since the epoch from `Instant`, and calibration is the identity.
//!
//! ## Invariant
//!
//! Within one lane, converted times never decrease: `RDTSC` is not a serialising
//! instruction and a thread may migrate between cores whose counters differ by a few
//! cycles, so the snapshot clamps each lane's times to be non-decreasing (`Calibration`
//! users call [`Calibration::monotonic`]).

use std::time::Instant;

/// Where ticks come from (decided once per session).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The x86-64 time-stamp counter.
    Tsc,
    /// `Instant`, in nanoseconds since the epoch.
    Instant,
}

/// The session's epoch and tick source; cheap to copy into every lane.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    epoch: Instant,
    ticks0: u64,
    source: Source,
}

impl Clock {
    /// A clock whose zero is now.
    pub(crate) fn start() -> Clock {
        let source = if tsc_is_the_system_clock() {
            Source::Tsc
        } else {
            Source::Instant
        };
        let (epoch, ticks0) = match source {
            Source::Tsc => paired_read(),
            Source::Instant => (Instant::now(), 0),
        };
        Clock {
            epoch,
            ticks0,
            source,
        }
    }

    /// The current tick count: the hot path of every record.
    #[inline]
    pub(crate) fn now_ticks(&self) -> u64 {
        match self.source {
            Source::Tsc => tsc(),
            Source::Instant => self.instant_ns(),
        }
    }

    /// Nanoseconds since the epoch, from `Instant` (saturating at `u64::MAX`, in 584 years).
    fn instant_ns(&self) -> u64 {
        let d = Instant::now().saturating_duration_since(self.epoch);
        // as_nanos() is a u128; this is the same sum in u64 without the 128-bit multiply.
        d.as_secs()
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(d.subsec_nanos()))
    }

    /// The tick-to-nanosecond mapping as of now.
    pub(crate) fn calibrate(&self) -> Calibration {
        match self.source {
            Source::Instant => Calibration {
                ticks0: 0,
                ticks: 1,
                nanos: 1,
            },
            Source::Tsc => {
                let (now, ticks) = paired_read();
                let nanos = now.saturating_duration_since(self.epoch).as_nanos();
                let nanos = u64::try_from(nanos).unwrap_or(u64::MAX);
                let ticks = ticks.saturating_sub(self.ticks0);
                Calibration {
                    ticks0: self.ticks0,
                    // Until the first tick has passed there is nothing to measure: 1:1.
                    ticks: ticks.max(1),
                    nanos: if ticks == 0 { 1 } else { nanos },
                }
            }
        }
    }

    /// Nanoseconds since the epoch, on the events' time axis.
    pub(crate) fn now_ns(&self) -> u64 {
        match self.source {
            Source::Instant => self.instant_ns(),
            Source::Tsc => self.calibrate().ns_at(tsc()),
        }
    }
}

/// A linear map from ticks to nanoseconds since the epoch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Calibration {
    ticks0: u64,
    ticks: u64,
    nanos: u64,
}

impl Calibration {
    /// Nanoseconds since the epoch at tick count `t`.
    pub(crate) fn ns_at(self, t: u64) -> u64 {
        let elapsed = u128::from(t.saturating_sub(self.ticks0));
        let ns = elapsed * u128::from(self.nanos) / u128::from(self.ticks);
        u64::try_from(ns).unwrap_or(u64::MAX)
    }

    /// [`Calibration::ns_at`], clamped to be at least `previous` (see the invariant).
    pub(crate) fn monotonic(self, t: u64, previous: &mut u64) -> u64 {
        let ns = self.ns_at(t).max(*previous);
        *previous = ns;
        ns
    }
}

/// An `Instant` and the tick count at the same moment, as nearly as can be: the TSC is
/// read just before and just after `Instant::now()` and the midpoint taken; of five
/// tries, the one with the closest pair wins, so a thread preempted between the reads
/// (which would skew the calibration by the length of the preemption) is not believed.
fn paired_read() -> (Instant, u64) {
    let mut best: Option<(u64, Instant, u64)> = None; // (gap, instant, midpoint)
    for _ in 0..5 {
        let before = tsc();
        let now = Instant::now();
        let after = tsc();
        let gap = after.wrapping_sub(before);
        let midpoint = before.wrapping_add(gap / 2);
        if best.is_none_or(|(g, _, _)| gap < g) {
            best = Some((gap, now, midpoint));
        }
    }
    let (_, now, midpoint) = best.expect("five tries");
    (now, midpoint)
}

/// Reads the time-stamp counter where it is trusted; never called otherwise.
#[inline]
fn tsc() -> u64 {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        // SAFETY: RDTSC exists on every x86-64 processor (the TSC is part of the
        // baseline x86-64 instruction set); it reads a counter into registers and
        // touches no memory. (`_rdtsc` is only `unsafe` because it is an intrinsic.)
        // A process that forbade it with prctl(PR_SET_TSC) gets SIGSEGV: a crash, not
        // undefined behaviour.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    {
        unreachable!("the TSC is only used on x86-64")
    }
}

/// Whether the kernel keeps time with the TSC (it then vouches for its rate and
/// cross-core synchronisation). Read once per session, at `Recorder::new`.
fn tsc_is_the_system_clock() -> bool {
    if cfg!(any(
        not(target_arch = "x86_64"),
        not(target_os = "linux"),
        miri
    )) {
        return false;
    }
    std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
        .is_ok_and(|s| s.trim() == "tsc")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_convert_to_monotonic_nanoseconds_close_to_instant() {
        let clock = Clock::start();
        let ticks: Vec<u64> = (0..1000).map(|_| clock.now_ticks()).collect();
        // Let some time pass so the calibration has a baseline.
        let wait = Instant::now();
        while wait.elapsed().as_micros() < 200 {
            std::hint::spin_loop();
        }
        let cal = clock.calibrate();
        let mut previous = 0;
        for &t in &ticks {
            let ns = cal.monotonic(t, &mut previous);
            assert_eq!(ns, previous);
        }
        let from_ticks = clock.now_ns();
        let from_instant = clock.instant_ns();
        let diff = from_ticks.abs_diff(from_instant);
        // Same axis: within 5% of the elapsed time (and a few µs for the two reads).
        assert!(
            diff < from_instant / 20 + 20_000,
            "tick clock {from_ticks} vs Instant {from_instant}"
        );
    }

    #[test]
    fn calibration_is_linear_and_saturates() {
        let cal = Calibration {
            ticks0: 100,
            ticks: 3,
            nanos: 1,
        };
        assert_eq!(cal.ns_at(100), 0);
        assert_eq!(cal.ns_at(50), 0);
        assert_eq!(cal.ns_at(400), 100);
        let mut previous = 500;
        assert_eq!(cal.monotonic(400, &mut previous), 500);
    }
}
