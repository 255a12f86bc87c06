//! `sleep` and `sleep_until`: a future that completes at a deadline.
//!
//! States of a [`Sleep`]:
//! - `Unregistered`: created, never polled (creation is cheap: no timer yet, so a
//!   `timeout` around a future that is ready at once never touches the wheel);
//! - `Registered(key)`: polled once, waiting in the timing wheel;
//! - `Elapsed`: the deadline passed and the future returned `Ready`.
//!
//! Dropping a registered `Sleep` removes its timer from the wheel in O(1).
//! A `Sleep` is `Unpin`: the wheel keeps entries in its own slab, not inside the future.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant as StdInstant};

use super::Instant;
use crate::coop;
use crate::driver::handle;
use crate::driver::time::wheel::TimerKey;
use crate::driver::time::{Fired, TimeShared};

/// Waits until `duration` has elapsed. `Duration::MAX` (or anything past the year ~2^64
/// ns) waits forever; `Duration::ZERO` completes on its first poll.
///
/// Must be called inside a spindle runtime (it panics otherwise, saying so).
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::after(duration)
}

/// Waits until `deadline`. A deadline in the past completes on the first poll.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline.into_std())
}

/// `now + duration`, saturating: a deadline so far away that it never comes if the sum
/// does not fit. Never earlier than `now + duration` would be, and never a panic.
pub(crate) fn deadline_after(now: StdInstant, duration: Duration) -> StdInstant {
    // ~30 years: far past the wheel's horizon (~795 days), so such timers never fire,
    // yet small enough that `Instant` arithmetic does not overflow on any platform we
    // know. Should it still (an `Instant` near its own end), halve until it fits: the
    // latest representable deadline, never `now` (which would fire at once).
    const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);
    let mut ahead = duration.min(FAR_FUTURE);
    loop {
        if let Some(deadline) = now.checked_add(ahead) {
            return deadline;
        }
        ahead /= 2; // `now + 0` always fits, so this ends
    }
}

#[derive(Debug)]
enum State {
    Unregistered,
    Registered(TimerKey),
    Elapsed,
}

/// The future returned by [`sleep`] and [`sleep_until`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    /// Kept as std's type: the wheel and the clock work in it.
    deadline: StdInstant,
    time: Arc<TimeShared>,
    state: State,
}

impl Sleep {
    #[track_caller]
    pub(crate) fn new(deadline: StdInstant) -> Sleep {
        Sleep {
            deadline,
            time: handle::current_time("spindle::time::sleep"),
            state: State::Unregistered,
        }
    }

    /// A sleep until `duration` after the runtime's now (its clock's: virtual when
    /// paused).
    #[track_caller]
    pub(crate) fn after(duration: Duration) -> Sleep {
        let time = handle::current_time("spindle::time::sleep");
        Sleep {
            deadline: deadline_after(time.now(), duration),
            time,
            state: State::Unregistered,
        }
    }

    /// The runtime's now, on its clock.
    pub(crate) fn now(&self) -> StdInstant {
        self.time.now()
    }

    /// When this sleep completes.
    pub fn deadline(&self) -> Instant {
        Instant::from_std(self.deadline)
    }

    /// [`Sleep::deadline`] as std's type.
    pub(crate) fn std_deadline(&self) -> StdInstant {
        self.deadline
    }

    /// Whether the sleep has completed (returned `Ready`).
    pub fn is_elapsed(&self) -> bool {
        matches!(self.state, State::Elapsed)
    }

    /// Moves the deadline; a completed sleep becomes pending again.
    pub fn reset(&mut self, deadline: Instant) {
        self.reset_std(deadline.into_std());
    }

    /// [`Sleep::reset`] from std's type.
    pub(crate) fn reset_std(&mut self, deadline: StdInstant) {
        self.deadline = deadline;
        match self.state {
            // Moved in place: O(1), and the stored waker stays.
            State::Registered(key) => self.time.reset(key, deadline),
            State::Elapsed => self.state = State::Unregistered,
            State::Unregistered => {}
        }
    }

    /// Polls without spending the cooperative budget (for `timeout`, whose deadline must
    /// be noticed even when its inner future used the budget up).
    pub(crate) fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let fired = match self.state {
            State::Elapsed => return Poll::Ready(()),
            State::Unregistered => {
                if self.time.now() >= self.deadline {
                    Fired::Yes
                } else {
                    // `register` reports a deadline the driver passed since the check
                    // above as fired (see `TimeShared::register`).
                    match self.time.register(self.deadline, cx.waker()) {
                        Some((key, fired)) => {
                            self.state = State::Registered(key);
                            fired
                        }
                        None => Fired::Shutdown,
                    }
                }
            }
            State::Registered(key) => self.time.poll_fired(key, cx.waker()),
        };
        match fired {
            Fired::No => {
                crate::wait::set(crate::wait::Wait::Sleep(self.deadline));
                Poll::Pending
            }
            Fired::Yes => {
                if let State::Registered(key) = self.state {
                    self.time.remove(key);
                }
                self.state = State::Elapsed;
                Poll::Ready(())
            }
            Fired::Shutdown => panic!(
                "a spindle::time::Sleep was polled after its runtime shut down; \
                 keep the runtime alive while its timers are in use"
            ),
        }
    }
}

impl Sleep {
    /// The leaf poll: spends a unit of the cooperative budget, then checks the deadline.
    pub(crate) fn poll_with_budget(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut budget = ready!(coop::poll_proceed(cx));
        ready!(this.poll_deadline(cx));
        budget.made_progress();
        Poll::Ready(())
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_with_budget(cx)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Registered(key) = self.state {
            self.time.remove(key);
        }
    }
}
