//! What one record holds: a timestamp and an [`EventKind`].
//!
//! The kinds mirror the moments of the runtime's and the pool's life that explain a
//! schedule: a task is spawned, polled (start and end, with the core it ran on), woken
//! (by whom: the event sits on the *waker's* lane), stolen, and a thread parks, is
//! unparked, notifies a sleeper, dispatches I/O readiness or fires timers. Pool jobs
//! have their own start and end.
//!
//! Size matters: two events per poll, millions of polls. [`Event`], the form a
//! [`crate::Trace`] hands out, is 32 bytes (a `u64` timestamp and a 24-byte enum; the
//! test below pins it); lanes store the same information packed in 16 bytes, with raw
//! clock ticks instead of nanoseconds (`encoding.rs`, `clock.rs`), so a million polls
//! cost 32 MB while recording.

/// What happened. Recorded on the lane of the thread where it happened (see each kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A task was created; `parent` is the task that spawned it, if it was spawned from
    /// inside a task.
    Spawn {
        /// The new task's id.
        task: u64,
        /// The spawning task, if any.
        parent: Option<u64>,
    },
    /// This lane starts polling `task` on core `cpu` ([`crate::current_cpu`], or
    /// `u32::MAX` if unknown).
    PollStart {
        /// The task polled.
        task: u64,
        /// The core the poll runs on, `u32::MAX` if unknown.
        cpu: u32,
    },
    /// The poll of `task` returned; `ready` if the task completed.
    PollEnd {
        /// The task polled.
        task: u64,
        /// `true` if the poll returned `Ready` (the task finished).
        ready: bool,
    },
    /// `task` was woken. Recorded on the lane of the thread that called the waker (or
    /// shared, from a thread without a lane): it answers "who woke this task?".
    Wake {
        /// The task woken.
        task: u64,
    },
    /// This lane took `count` tasks (or jobs) from the queue of lane `victim` (an index
    /// of the same [`crate::LaneKind`]).
    Steal {
        /// Index of the lane robbed.
        victim: u32,
        /// How many tasks or jobs were taken.
        count: u32,
    },
    /// This lane's thread goes to sleep.
    Park,
    /// This lane's thread woke up.
    Unpark,
    /// This lane woke the thread of lane `target` (same kind).
    Notify {
        /// Index of the lane woken.
        target: u32,
    },
    /// This lane dispatched `count` I/O readiness events.
    IoEvents {
        /// Number of readiness events.
        count: u32,
    },
    /// This lane fired `count` expired timers.
    TimersFired {
        /// Number of timers fired.
        count: u32,
    },
    /// A pool job starts on this lane, on core `cpu` (`u32::MAX` if unknown).
    JobStart {
        /// The job's id.
        job: u64,
        /// The core the job runs on, `u32::MAX` if unknown.
        cpu: u32,
    },
    /// The pool job `job` finished on this lane.
    JobEnd {
        /// The job's id.
        job: u64,
    },
}

/// One recorded event: when (nanoseconds since the [`crate::Recorder`]'s epoch) and what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// Nanoseconds since the session's epoch.
    pub t_ns: u64,
    /// What happened.
    pub kind: EventKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_is_32_bytes() {
        assert_eq!(std::mem::size_of::<EventKind>(), 24);
        assert_eq!(std::mem::size_of::<Event>(), 32);
    }
}
