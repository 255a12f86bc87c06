//! `interval`: a stream of ticks at a fixed period.
//!
//! The first tick completes at once (at `start` for [`interval_at`]); tick `n` is due at
//! `start + n * period`. When the task falls behind — it was busy, or the machine
//! stalled — and several ticks are missed, [`MissedTickBehavior`] decides what happens:
//!
//! | policy | after a stall, the next ticks are due at | use when |
//! |---|---|---|
//! | `Burst` (default, as in tokio) | the missed deadlines, back to back, until caught up | every tick counts (a rate meter) |
//! | `Delay` | now + period, then every period from there | the gap between ticks matters |
//! | `Skip` | the next deadline of the original schedule after now | stay on the original grid |

use std::task::{Context, Poll, ready};
use std::time::Duration;

use super::Instant;
use super::sleep::{Sleep, deadline_after};

/// What an [`Interval`] does about ticks it missed; see the module docs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks as fast as they are polled, until back on schedule.
    #[default]
    Burst,
    /// Restart the schedule from the late tick: the next one is a full period later.
    Delay,
    /// Drop the missed ticks; fire at the next deadline of the original schedule.
    Skip,
}

/// Ticks every `period`, the first at once.
///
/// # Panics
/// If `period` is zero (a zero period would tick in a busy loop), with a message saying
/// so; and outside a spindle runtime.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    check_period(period);
    let sleep = Sleep::after(Duration::ZERO);
    Interval {
        sleep,
        period,
        missed: MissedTickBehavior::default(),
    }
}

/// Ticks at `start`, then every `period`. Panics as [`interval`] does.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    check_period(period);
    Interval {
        sleep: Sleep::new(start.into_std()),
        period,
        missed: MissedTickBehavior::default(),
    }
}

#[track_caller]
fn check_period(period: Duration) {
    assert!(
        !period.is_zero(),
        "spindle::time::interval needs a non-zero period (got Duration::ZERO): every tick \
         would be due at once, a busy loop; use a period of at least 1 ms (the timer's tick)"
    );
}

/// The stream returned by [`interval`]; call [`Interval::tick`] in a loop.
#[derive(Debug)]
pub struct Interval {
    sleep: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Completes at the next tick, returning the instant it was due.
    pub async fn tick(&mut self) -> Instant {
        std::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(std::pin::Pin::new(&mut self.sleep).poll_with_budget(cx));
        let due = self.sleep.std_deadline();
        let now = self.sleep.now();
        // Saturating sums: a period of `Duration::MAX` must mean "never again", not an
        // overflow panic in `Instant + Duration`.
        let on_schedule = deadline_after(due, self.period);
        let next = match self.missed {
            MissedTickBehavior::Burst => on_schedule,
            MissedTickBehavior::Delay if now > on_schedule => deadline_after(now, self.period),
            MissedTickBehavior::Skip if now > on_schedule => {
                let behind = now.duration_since(due).as_nanos();
                let period = self.period.as_nanos();
                let periods = u32::try_from(behind / period + 1).unwrap_or(u32::MAX);
                let skip = self.period.checked_mul(periods).unwrap_or(Duration::MAX);
                deadline_after(due, skip)
            }
            _ => on_schedule,
        };
        self.sleep.reset_std(next);
        Poll::Ready(Instant::from_std(due))
    }

    /// Starts the schedule over: the next tick is one period from now.
    pub fn reset(&mut self) {
        let now = self.sleep.now();
        self.sleep.reset_std(deadline_after(now, self.period));
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The policy for missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets the policy for missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }
}
