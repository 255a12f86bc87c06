//! The time driver: the timing wheel behind a lock, tied to the clock and to the thread
//! that polls epoll.
//!
//! ## Clock
//! Ticks are whole milliseconds since the driver started. A deadline is rounded UP to a
//! tick and "now" is rounded DOWN, so a timer fires at the first tick at or after its
//! deadline and never early.
//!
//! ## Who advances the wheel
//! The worker that parks in the driver (see `driver/mod.rs`) sleeps in `epoll_wait` for
//! at most [`TimeShared::next_timeout`], then calls [`TimeShared::process`], which
//! advances the wheel to now and wakes the tasks whose timers fired.
//!
//! ## The one race
//! A task may add a timer that is due *earlier* than the deadline the parked worker is
//! already sleeping towards. So [`TimeShared::register`] compares the wheel's next
//! expiration before and after the insert, and if it moved earlier it unparks the
//! poller, which recomputes its timeout. (Both happen under the wheel lock, so two
//! concurrent inserts cannot both miss it.)
//!
//! Invariant: after shutdown no timer is inserted; waiting timers are woken once, and a
//! `Sleep` polled after that reports the shutdown.
//!
//! ## Paused time
//! "Now" comes from the runtime's [`clock::Clock`], never from `Instant::now()` directly,
//! so a paused clock (`spindle::time::pause`) stops the wheel too: [`TimeShared::process`]
//! fires only what is due at the virtual now, and [`TimeShared::auto_advance`] (called by
//! the driver when the runtime is idle) moves the clock to the next expiration.
//!
//! The data structure itself, the hierarchical wheel, is [`wheel`].

pub(crate) mod clock;
pub(crate) mod wheel;

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

use super::io::IoShared;
use clock::{Clock, ClockError};
use wheel::{TimerKey, TimerWheel};

/// The wheel plus whether the driver has shut down.
#[derive(Debug)]
struct Timers {
    wheel: TimerWheel,
    is_shutdown: bool,
}

/// The time driver's state, shared by every thread of the runtime.
#[derive(Debug)]
pub(crate) struct TimeShared {
    start: Instant,
    /// The source of "now" (pausable on a current-thread runtime).
    clock: Clock,
    timers: Mutex<Timers>,
    /// Interrupts the parked poller when a new timer is due before it would wake.
    io: Arc<IoShared>,
}

impl TimeShared {
    /// A time driver whose clock may be paused if `pausable` (current-thread runtimes),
    /// and starts paused, at exactly tick 0, if `start_paused`.
    pub(crate) fn new(io: Arc<IoShared>, pausable: bool, start_paused: bool) -> TimeShared {
        let start = Instant::now();
        let time = TimeShared {
            start,
            clock: Clock::new(start, pausable),
            timers: Mutex::new(Timers {
                wheel: TimerWheel::new(),
                is_shutdown: false,
            }),
            io,
        };
        if start_paused {
            time.pause()
                .expect("Builder allows start_paused only where the clock is pausable");
        }
        time
    }

    /// Pauses the clock at the next tick boundary (so whole-millisecond durations land
    /// exactly on ticks and an auto-advance lands exactly on a deadline; `clock.rs`).
    pub(crate) fn pause(&self) -> Result<(), ClockError> {
        self.clock.pause(|now| {
            let tick = self.deadline_to_tick(now);
            self.start + Duration::from_millis(tick)
        })
    }

    /// Moves the paused clock forward by `by` and fires the timers due by then, in
    /// deadline order. Returns how many fired.
    pub(crate) fn advance(&self, by: Duration) -> Result<usize, ClockError> {
        self.clock.advance(by)?;
        Ok(self.process())
    }

    /// The runtime's clock (pause, resume, advance).
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The runtime's "now": the clock's reading (virtual while paused).
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    fn lock(&self) -> MutexGuard<'_, Timers> {
        self.timers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The first tick at or after `deadline` (saturating far in the future).
    pub(crate) fn deadline_to_tick(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.start);
        let ms = since.as_millis() + u128::from(since.subsec_nanos() % 1_000_000 != 0);
        u64::try_from(ms).unwrap_or(u64::MAX)
    }

    /// The tick that has fully begun at `now`.
    fn now_tick(&self, now: Instant) -> u64 {
        let ms = now.saturating_duration_since(self.start).as_millis();
        u64::try_from(ms).unwrap_or(u64::MAX)
    }

    /// Adds a timer due at `deadline`, with whether it has fired already (see below).
    /// Returns `None` if the driver has shut down.
    pub(crate) fn register(&self, deadline: Instant, waker: &Waker) -> Option<(TimerKey, Fired)> {
        let tick = self.deadline_to_tick(deadline);
        let mut timers = self.lock();
        if timers.is_shutdown {
            return None;
        }
        // The caller saw `deadline` in the future, but the driver may have advanced the
        // wheel past its tick since (its clock read came later): the wheel then creates
        // the timer already fired, with nobody to wake, so the caller must know now.
        if tick <= timers.wheel.elapsed() {
            let key = timers.wheel.insert(tick, waker.clone());
            return Some((key, Fired::Yes));
        }
        let before = timers.wheel.next_expiration();
        let key = timers.wheel.insert(tick, waker.clone());
        let after = timers.wheel.next_expiration();
        drop(timers);
        if after.is_some() && (before.is_none() || after < before) {
            // The poller may be asleep until `before`: make it look again.
            let _ = self.io.unpark();
        }
        Some((key, Fired::No))
    }

    /// Whether the timer fired (or the driver shut down); otherwise stores `waker`.
    pub(crate) fn poll_fired(&self, key: TimerKey, waker: &Waker) -> Fired {
        let mut timers = self.lock();
        if timers.is_shutdown {
            Fired::Shutdown
        } else if timers.wheel.poll_fired(key, waker) {
            Fired::Yes
        } else {
            Fired::No
        }
    }

    /// Moves a timer to a new deadline, keeping its waker (a fired timer is re-armed and
    /// gets a waker at its next poll).
    pub(crate) fn reset(&self, key: TimerKey, deadline: Instant) {
        let tick = self.deadline_to_tick(deadline);
        let mut timers = self.lock();
        let before = timers.wheel.next_expiration();
        timers.wheel.reset(key, tick);
        let after = timers.wheel.next_expiration();
        drop(timers);
        if after.is_some() && (before.is_none() || after < before) {
            let _ = self.io.unpark();
        }
    }

    /// Cancels a timer in O(1).
    pub(crate) fn remove(&self, key: TimerKey) {
        self.lock().wheel.remove(key);
    }

    /// How long the poller may sleep before the next timer is due (`None`: no timer).
    pub(crate) fn next_timeout(&self) -> Option<Duration> {
        let tick = self.lock().wheel.next_expiration()?;
        let due = self.start + Duration::from_millis(tick);
        Some(due.saturating_duration_since(self.now()))
    }

    /// The auto-advance of paused time: moves the paused clock to the wheel's next
    /// expiration and fires what is due there. The next expiration of a high level is
    /// the start of its slot, where the entries cascade to lower levels without firing,
    /// so this repeats until a timer fires (at most once per level per timer). Returns
    /// how many fired: zero only when no timer waits (the caller then parks for real).
    pub(crate) fn auto_advance(&self) -> usize {
        loop {
            let Some(tick) = self.lock().wheel.next_expiration() else {
                return 0;
            };
            if !self
                .clock
                .advance_to(self.start + Duration::from_millis(tick))
            {
                return 0; // the clock runs again (resumed meanwhile)
            }
            let fired = self.process();
            if fired > 0 {
                return fired;
            }
        }
    }

    /// Advances the wheel to now and wakes the tasks whose timers fired. Returns how
    /// many fired.
    pub(crate) fn process(&self) -> usize {
        let now = self.now_tick(self.now());
        let mut wakers = Vec::new();
        let fired = self.lock().wheel.advance(now, |waker| wakers.push(waker));
        // Wake outside the lock: a waker runs scheduler code.
        wakers.into_iter().for_each(Waker::wake);
        fired
    }

    /// Stops the driver: refuses new timers and wakes every waiting one, whose `Sleep`
    /// then reports the shutdown.
    pub(crate) fn shutdown(&self) {
        let mut wakers = Vec::new();
        {
            let mut timers = self.lock();
            timers.is_shutdown = true;
            timers.wheel.advance(u64::MAX, |waker| wakers.push(waker));
        }
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Timers alive in the wheel.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn timers(&self) -> usize {
        self.lock().wheel.len()
    }
}

/// The answer of [`TimeShared::poll_fired`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fired {
    Yes,
    No,
    Shutdown,
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::driver::io::IoDriver;

    #[test]
    fn deadlines_round_up_and_now_rounds_down() {
        let io = IoDriver::new().unwrap();
        let time = TimeShared::new(io.shared().clone(), false, false);
        let start = time.start;
        assert_eq!(time.deadline_to_tick(start), 0);
        assert_eq!(time.deadline_to_tick(start + Duration::from_micros(1)), 1);
        assert_eq!(time.deadline_to_tick(start + Duration::from_millis(5)), 5);
        assert_eq!(
            time.deadline_to_tick(start + Duration::from_micros(5001)),
            6
        );
        assert_eq!(time.now_tick(start + Duration::from_micros(5999)), 5);
        assert_eq!(time.deadline_to_tick(start - Duration::from_millis(1)), 0);
    }

    #[test]
    fn an_earlier_timer_unparks_the_poller() {
        let mut io = IoDriver::new().unwrap();
        let time = TimeShared::new(io.shared().clone(), false, false);
        let far = Instant::now() + Duration::from_secs(3600);
        let _a = time.register(far, Waker::noop()).unwrap().0;
        // The first timer moved the next expiration from "none": the poller was unparked,
        // so this turn returns at once instead of blocking forever.
        assert_eq!(io.turn(None).unwrap(), 0);
        let _b = time
            .register(far + Duration::from_secs(1), Waker::noop())
            .unwrap()
            .0;
        // A later timer does not unpark: the turn times out instead.
        assert_eq!(io.turn(Some(Duration::ZERO)).unwrap(), 0);
        let soon = Instant::now() + Duration::from_millis(2);
        let _c = time.register(soon, Waker::noop()).unwrap().0;
        assert!(time.next_timeout().unwrap() <= Duration::from_millis(3));
        assert_eq!(io.turn(None).unwrap(), 0, "unparked by the earlier timer");
    }

    /// The hang behind a lost sleep (1 in ~3 million under load, found by the
    /// `sleep_100k` bench): a task checks that its deadline is ahead, the driver on
    /// another worker then advances the wheel past the deadline's tick, and the task
    /// registers. The wheel files the timer as fired with nobody to wake; `register`
    /// must say so, or the task waits forever. Here the wheel is advanced first and a
    /// deadline it has passed is registered, which is the state the race produces.
    #[test]
    fn registering_a_deadline_the_wheel_has_passed_reports_it_fired() {
        let io = IoDriver::new().unwrap();
        let time = TimeShared::new(io.shared().clone(), false, false);
        let deadline = time.start + Duration::from_millis(1);
        while Instant::now() < time.start + Duration::from_millis(3) {
            std::hint::spin_loop();
        }
        time.process(); // the wheel is now at tick 3 or later
        let (key, fired) = time.register(deadline, Waker::noop()).unwrap();
        assert_eq!(fired, Fired::Yes);
        assert_eq!(time.poll_fired(key, Waker::noop()), Fired::Yes);
        time.remove(key);
        assert_eq!(time.timers(), 0);
    }

    #[test]
    fn shutdown_fires_waiting_timers_and_refuses_new_ones() {
        let io = IoDriver::new().unwrap();
        let time = TimeShared::new(io.shared().clone(), false, false);
        let (key, fired) = time
            .register(Instant::now() + Duration::from_secs(60), Waker::noop())
            .unwrap();
        assert_eq!(fired, Fired::No);
        assert_eq!(time.poll_fired(key, Waker::noop()), Fired::No);
        time.shutdown();
        assert_eq!(time.poll_fired(key, Waker::noop()), Fired::Shutdown);
        assert!(time.register(Instant::now(), Waker::noop()).is_none());
    }
}
