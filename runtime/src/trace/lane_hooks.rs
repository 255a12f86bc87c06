//! [`LaneHooks`]: what one runtime thread records on its own lane.
//!
//! A worker (or the current-thread core) owns one `LaneHooks`. Each hook is written so
//! that, untraced, it costs one branch on `self.lane` (an `Option` only this thread
//! reads, never changed after the worker starts, so the branch predictor learns it at
//! once): the event is passed as a closure and only built inside the branch, so no clock
//! read, no `sched_getcpu` and no atomic happen on the untraced hot path. With the cargo
//! feature `trace` off the struct is empty and every hook an empty inline function.
//!
//! Events, in the contract's terms (`spindle_trace::EventKind`):
//! - `PollStart { task, cpu }` / `PollEnd { task, ready }` around every poll ([`poll`]);
//!   `cpu` is `sched_getcpu()` at poll start, the core that actually ran it;
//! - `Spawn { task, parent }` and `Wake { task }` where a task is scheduled from this
//!   thread (a wake is recorded on the *waker's* lane: "who woke it");
//! - `Steal { victim, count }`, `Park`, `Unpark`, `Notify { target }`,
//!   `IoEvents { count }`, `TimersFired { count }`.
//!
//! [`poll`]: LaneHooks::poll

use super::EventKind;
#[cfg(feature = "trace")]
use super::Lane;
use crate::driver::ParkReport;
use crate::task::Notified;

/// One thread's recording hooks (see the module header).
pub(crate) struct LaneHooks {
    #[cfg(feature = "trace")]
    lane: Option<Lane>,
    /// True from a `PollEnd` until anything else is recorded: the next `PollStart` may
    /// then reuse the `PollEnd`'s timestamp ([`LaneHooks::poll`]).
    #[cfg(feature = "trace")]
    after_poll: std::cell::Cell<bool>,
}

impl LaneHooks {
    #[cfg(feature = "trace")]
    pub(super) fn new(lane: Option<Lane>) -> LaneHooks {
        LaneHooks {
            lane,
            after_poll: std::cell::Cell::new(false),
        }
    }

    /// Hooks that record nothing.
    pub(crate) fn off() -> LaneHooks {
        LaneHooks {
            #[cfg(feature = "trace")]
            lane: None,
            #[cfg(feature = "trace")]
            after_poll: std::cell::Cell::new(false),
        }
    }

    /// Records the event `make` builds, if tracing.
    #[inline(always)]
    pub(crate) fn record(&self, make: impl FnOnce() -> EventKind) {
        #[cfg(feature = "trace")]
        if let Some(lane) = &self.lane {
            self.after_poll.set(false);
            lane.record(make());
        }
        #[cfg(not(feature = "trace"))]
        let _ = make;
    }

    /// Runs `task` through `run`, between a `PollStart` (with the current core) and a
    /// `PollEnd` (with whether the task finished). The id is read before the poll: the
    /// task may be freed by it.
    ///
    /// Back-to-back polls share a timestamp: when nothing was recorded since the last
    /// `PollEnd` (no park, no steal, no driver turn, no wake), this `PollStart` takes
    /// that `PollEnd`'s time instead of reading the clock again
    /// ([`Lane::record_at_last`]). That halves the clock reads of a busy worker, the
    /// largest part of tracing's cost; the few nanoseconds of popping the next task are
    /// counted in the next poll's span instead of the gap between the two.
    #[inline(always)]
    pub(crate) fn poll(&self, task: Notified, run: impl FnOnce(Notified) -> bool) {
        #[cfg(feature = "trace")]
        if let Some(lane) = &self.lane {
            let id = task.id().as_u64();
            let cpu = super::current_cpu().unwrap_or(u32::MAX);
            let start = EventKind::PollStart { task: id, cpu };
            if self.after_poll.replace(false) {
                lane.record_at_last(start);
            } else {
                lane.record(start);
            }
            let ready = run(task);
            lane.record(EventKind::PollEnd { task: id, ready });
            self.after_poll.set(true);
            return;
        }
        run(task);
    }

    /// A task scheduled from this thread: `Spawn` (parent: the task running here, if
    /// any) or `Wake`. (Yields are not recorded; see `scheduler/scheduled.rs`.)
    #[inline(always)]
    pub(crate) fn scheduled(&self, task: &Notified, spawn: bool) {
        #[cfg(feature = "trace")]
        if let Some(lane) = &self.lane {
            self.after_poll.set(false);
            lane.record(scheduled_event(task, spawn));
        }
        #[cfg(not(feature = "trace"))]
        let _ = (task, spawn);
    }

    /// What a driver turn on this thread dispatched.
    #[inline]
    pub(crate) fn driver_turn(&self, report: ParkReport) {
        // A turn takes a system call: the next poll must not start at the last one's end.
        #[cfg(feature = "trace")]
        self.after_poll.set(false);
        if report.io_events > 0 {
            self.record(|| EventKind::IoEvents {
                count: saturate(report.io_events),
            });
        }
        if report.timers_fired > 0 {
            self.record(|| EventKind::TimersFired {
                count: saturate(report.timers_fired),
            });
        }
    }

    /// Hands this lane's buffered events to the recorder (before sleeping, at exit), so
    /// a snapshot taken while this thread sleeps sees all it did.
    pub(crate) fn flush(&self) {
        #[cfg(feature = "trace")]
        if let Some(lane) = &self.lane {
            self.after_poll.set(false);
            lane.flush();
        }
    }
}

/// The event for a task being scheduled (also used for the shared list).
pub(crate) fn scheduled_event(task: &Notified, spawn: bool) -> EventKind {
    let id = task.id().as_u64();
    if spawn {
        EventKind::Spawn {
            task: id,
            parent: crate::task::try_id().map(|p| p.as_u64()),
        }
    } else {
        EventKind::Wake { task: id }
    }
}

/// A count as the event's `u32`.
pub(crate) fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
