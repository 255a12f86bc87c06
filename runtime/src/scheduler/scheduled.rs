//! [`Scheduled`]: why a task is being scheduled, the one input of both flavours'
//! scheduling decision (`multi_thread/schedule.rs`, `current_thread.rs`), and how that
//! is recorded in the trace.
//!
//! | why     | multi-thread, on a worker                  | elsewhere          | trace                     |
//! |---------|--------------------------------------------|--------------------|---------------------------|
//! | `Spawn` | LIFO slot (previous occupant -> local queue) | injector / remote  | `Spawn { task, parent }`  |
//! | `Wake`  | LIFO slot, or local queue during a driver turn | injector / remote | `Wake { task }`         |
//! | `Yield` | the worker's `deferred` list               | (cannot happen)    | nothing on the lane       |
//!
//! A yield is not recorded on the lane: its `PollEnd { ready: false }` and its next poll
//! on the timeline say the same, and in a yield-heavy loop the extra event would cost a
//! third more. Recorded in the shared list (a thread that is not the scheduler's), a
//! yield counts as a wake.

use crate::task::Notified;
use crate::trace::lane_hooks::{LaneHooks, scheduled_event};
use crate::trace::session::Session;

/// Why a task is being scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheduled {
    /// Newly spawned.
    Spawn,
    /// Woken by another task, the driver or another thread.
    Wake,
    /// Woke itself during its own poll.
    Yield,
}

impl Scheduled {
    /// Records the scheduling of `task` on the scheduling thread's own lane.
    #[inline(always)]
    pub(crate) fn record_on_lane(self, lane: &LaneHooks, task: &Notified) {
        if self != Scheduled::Yield {
            lane.scheduled(task, self == Scheduled::Spawn);
        }
    }

    /// Records the scheduling of `task` from a thread with no lane of this runtime.
    #[inline]
    pub(crate) fn record_shared(self, trace: &Session, task: &Notified) {
        trace.record_shared(|| scheduled_event(task, self == Scheduled::Spawn));
    }
}
