//! [`Clock`]: a runtime's notion of "now", which a test can pause, advance and resume
//! (`spindle::time::{pause, advance, resume}`, `Builder::start_paused`).
//!
//! ## States
//! The clock reads `base + (time since unfrozen)`:
//!
//! | state | `unfrozen` | `now()` |
//! |---|---|---|
//! | running (never paused) | `Some(base)` | the real clock (fast path, no lock) |
//! | paused | `None` | `base`, which only `advance` (or the scheduler's auto-advance) moves |
//! | resumed | `Some(t)`: the real instant of `resume` | `base + t.elapsed()` |
//!
//! `pause` folds the time run so far into `base` and sets `unfrozen = None`; `resume`
//! sets `unfrozen = Some(real now)`, so virtual time continues from where it stopped.
//!
//! ## Invariants
//! - Virtual time never goes backwards: `advance` only adds, `pause` freezes at a time
//!   at or after the last reading (rounded up to the wheel's next millisecond tick, so
//!   that durations of whole milliseconds land exactly on ticks and an auto-advance to a
//!   timer lands exactly on its deadline).
//! - Until the clock is first paused, `now()` is one relaxed load plus
//!   `Instant::now()`: a runtime that never pauses pays nothing for this file.
//! - Only a clock built `pausable` (the current-thread flavour's) can be paused: on a
//!   multi-thread runtime, workers read the clock concurrently with no common notion of
//!   "every task is idle", so paused time would mean nothing there (tokio refuses too).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::time::{Duration, Instant};

/// A runtime's clock (see the module header).
#[derive(Debug)]
pub(crate) struct Clock {
    pausable: bool,
    /// Set once the clock has been paused (it then stays set: after `resume` the clock
    /// still reads `base + elapsed`, which may be ahead of the real clock).
    virtualized: AtomicBool,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    base: Instant,
    unfrozen: Option<Instant>,
}

/// Why a clock operation was refused; the caller turns it into a panic that says how
/// to fix the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClockError {
    /// The runtime is multi-thread.
    NotPausable,
    /// `pause` on a paused clock.
    AlreadyPaused,
    /// `advance` or `resume` on a running clock.
    NotPaused,
}

impl Clock {
    /// A running clock that reads `start` now.
    pub(crate) fn new(start: Instant, pausable: bool) -> Clock {
        Clock {
            pausable,
            virtualized: AtomicBool::new(false),
            state: Mutex::new(State {
                base: start,
                unfrozen: Some(start),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current time: the real clock until the first pause, then the virtual one.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        // Relaxed: the flag is set by a `pause` on this runtime's own thread (the
        // current-thread core, the only one that may pause); another thread reading a
        // stale `false` gets the real clock, which it would have got a moment earlier.
        if !self.virtualized.load(Relaxed) {
            return Instant::now();
        }
        let state = self.lock();
        match state.unfrozen {
            None => state.base,
            Some(since) => state.base + since.elapsed(),
        }
    }

    /// Whether the clock is paused now.
    pub(crate) fn is_paused(&self) -> bool {
        self.virtualized.load(Relaxed) && self.lock().unfrozen.is_none()
    }

    /// Freezes the clock at `round_up(now)` (see the invariants).
    pub(crate) fn pause(
        &self,
        round_up: impl FnOnce(Instant) -> Instant,
    ) -> Result<(), ClockError> {
        if !self.pausable {
            return Err(ClockError::NotPausable);
        }
        let mut state = self.lock();
        let Some(since) = state.unfrozen else {
            return Err(ClockError::AlreadyPaused);
        };
        state.base = round_up(state.base + since.elapsed());
        state.unfrozen = None;
        self.virtualized.store(true, Relaxed);
        Ok(())
    }

    /// Lets the clock run again from where it stands.
    pub(crate) fn resume(&self) -> Result<(), ClockError> {
        let mut state = self.lock();
        if state.unfrozen.is_some() {
            return Err(ClockError::NotPaused);
        }
        state.unfrozen = Some(Instant::now());
        Ok(())
    }

    /// Moves a paused clock forward by `by`.
    pub(crate) fn advance(&self, by: Duration) -> Result<(), ClockError> {
        let mut state = self.lock();
        if state.unfrozen.is_some() {
            return Err(ClockError::NotPaused);
        }
        // An advance past the end of `Instant` stops at the latest instant that fits.
        let mut by = by;
        state.base = loop {
            if let Some(t) = state.base.checked_add(by) {
                break t;
            }
            by /= 2;
        };
        Ok(())
    }

    /// Moves a paused clock forward to `to` if that is later; `false` if it is running.
    pub(crate) fn advance_to(&self, to: Instant) -> bool {
        let mut state = self.lock();
        if state.unfrozen.is_some() {
            return false;
        }
        state.base = state.base.max(to);
        true
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_paused_clock_moves_only_when_advanced() {
        let start = Instant::now();
        let clock = Clock::new(start, true);
        assert!(!clock.is_paused());
        clock.pause(|t| t).unwrap();
        let frozen = clock.now();
        assert!(frozen >= start);
        assert_eq!(clock.now(), frozen, "a paused clock does not run");
        clock.advance(Duration::from_secs(3600)).unwrap();
        assert_eq!(clock.now(), frozen + Duration::from_secs(3600));
        assert!(clock.advance_to(frozen + Duration::from_secs(10)), "paused");
        assert_eq!(
            clock.now(),
            frozen + Duration::from_secs(3600),
            "advance_to never goes back"
        );
        clock.resume().unwrap();
        assert!(!clock.is_paused());
        assert!(clock.now() >= frozen + Duration::from_secs(3600));
        assert!(
            !clock.advance_to(frozen + Duration::from_secs(7200)),
            "running"
        );
    }

    #[test]
    fn misuse_is_reported() {
        let clock = Clock::new(Instant::now(), true);
        assert_eq!(clock.resume(), Err(ClockError::NotPaused));
        assert_eq!(
            clock.advance(Duration::from_secs(1)),
            Err(ClockError::NotPaused)
        );
        clock.pause(|t| t).unwrap();
        assert_eq!(clock.pause(|t| t), Err(ClockError::AlreadyPaused));
        let fixed = Clock::new(Instant::now(), false);
        assert_eq!(fixed.pause(|t| t), Err(ClockError::NotPausable));
        assert!(!fixed.is_paused());
    }
}
