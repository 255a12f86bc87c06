//! The task's state word: one `AtomicUsize` holding six flag bits and a reference count.
//!
//! The bit table and the rules for who may change what are in the header of
//! [`crate::task`] (and in `docs/task-state.md`). This file holds only the transitions:
//! each one is a single compare-and-swap (or `fetch_*`) loop, so that every decision a
//! thread makes is based on one consistent snapshot of all the bits at once.
//!
//! The layout follows tokio's `runtime/task/state.rs`: flags in the low bits, the
//! reference count above them, so that `fetch_add(REF_ONE)` counts a reference without
//! disturbing any flag.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};

/// The task is being polled (or cancelled) by exactly one thread, which owns the stage.
pub(super) const RUNNING: usize = 0b00_0001;
/// The future has finished (output stored, or the task was cancelled); never cleared.
pub(super) const COMPLETE: usize = 0b00_0010;
/// A `Notified` for this task exists (in a queue) or must be created after the current
/// poll; at most one exists at a time.
pub(super) const NOTIFIED: usize = 0b00_0100;
/// The task was aborted or the runtime is shutting down: the next poller drops the future.
pub(super) const CANCELLED: usize = 0b00_1000;
/// The `JoinHandle` is alive and will read the output.
pub(super) const JOIN_INTEREST: usize = 0b01_0000;
/// The join waker field is set and owned by the runtime (read-only for the JoinHandle).
pub(super) const JOIN_WAKER: usize = 0b10_0000;

const FLAG_BITS: u32 = 6;
/// One reference, as added to the word.
pub(super) const REF_ONE: usize = 1 << FLAG_BITS;

/// A new task: three references (the owned-tasks list, the first `Notified`, the
/// `JoinHandle`), scheduled, with a join interest.
pub(super) const INITIAL: usize = (3 * REF_ONE) | NOTIFIED | JOIN_INTEREST;

/// One copy of the state word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Snapshot(pub(super) usize);

impl Snapshot {
    pub(super) fn is(self, bit: usize) -> bool {
        self.0 & bit == bit
    }
    pub(super) fn is_idle(self) -> bool {
        self.0 & (RUNNING | COMPLETE) == 0
    }
    pub(super) fn ref_count(self) -> usize {
        self.0 >> FLAG_BITS
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (RUNNING, "RUNNING"),
            (COMPLETE, "COMPLETE"),
            (NOTIFIED, "NOTIFIED"),
            (CANCELLED, "CANCELLED"),
            (JOIN_INTEREST, "JOIN_INTEREST"),
            (JOIN_WAKER, "JOIN_WAKER"),
        ];
        let mut l = f.debug_list();
        for (bit, name) in names {
            if self.is(bit) {
                l.entry(&name);
            }
        }
        l.entry(&format_args!("refs={}", self.ref_count()));
        l.finish()
    }
}

/// What the poller must do after `transition_to_running`.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ToRunning {
    /// Poll the future.
    Poll,
    /// Drop the future: the task was cancelled while it sat in a queue.
    Cancel,
    /// The task is already running or complete (shut down while queued); the `Notified`'s
    /// reference was dropped. `true`: it was the last one, deallocate.
    Skip(bool),
}

/// What the poller must do after a poll returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ToIdle {
    /// Idle; the poller's reference was dropped.
    Idle,
    /// Woken during the poll: schedule again; the poller's reference becomes the
    /// new `Notified`'s reference.
    Notified,
    /// Aborted during the poll: drop the future now (the poller keeps its reference).
    Cancel,
}

/// What a waker must do after setting `NOTIFIED`.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ToNotified {
    /// Nothing (already scheduled, running or complete).
    Nothing,
    /// Push a `Notified` (its reference is already counted).
    Submit,
    /// Nothing, and the waker's reference was the last one: deallocate.
    Dealloc,
}

/// The atomic state word of one task.
pub(super) struct State(AtomicUsize);

impl State {
    pub(super) fn new() -> State {
        State(AtomicUsize::new(INITIAL))
    }

    pub(super) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    /// Runs `f` on snapshots until its CAS succeeds; `f` returns the new word and a result,
    /// or `None` for "no change".
    fn update<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<usize>, R)) -> R {
        let mut cur = self.0.load(Acquire);
        loop {
            let (next, r) = f(Snapshot(cur));
            let Some(next) = next else { return r };
            match self.0.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return r,
                Err(actual) => cur = actual,
            }
        }
    }

    /// A `Notified` is about to be polled: NOTIFIED -> RUNNING.
    pub(super) fn transition_to_running(&self) -> ToRunning {
        self.update(|s| {
            if !s.is_idle() {
                // Shut down (RUNNING|CANCELLED claimed by shutdown) or complete while
                // this Notified waited in a queue: drop the Notified's reference.
                debug_assert!(s.ref_count() > 0);
                let next = s.0 - REF_ONE;
                return (Some(next), ToRunning::Skip(Snapshot(next).ref_count() == 0));
            }
            debug_assert!(s.is(NOTIFIED), "{s:?}");
            let next = (s.0 | RUNNING) & !NOTIFIED;
            let r = if s.is(CANCELLED) {
                ToRunning::Cancel
            } else {
                ToRunning::Poll
            };
            (Some(next), r)
        })
    }

    /// The poll returned `Pending`: RUNNING -> idle (or re-notified / cancelled).
    pub(super) fn transition_to_idle(&self) -> ToIdle {
        self.update(|s| {
            debug_assert!(s.is(RUNNING));
            if s.is(CANCELLED) {
                return (None, ToIdle::Cancel);
            }
            if s.is(NOTIFIED) {
                // Keep NOTIFIED: the poller's reference is handed to the new Notified.
                return (Some(s.0 & !RUNNING), ToIdle::Notified);
            }
            // The owned-tasks list still holds a reference, so this cannot reach zero.
            debug_assert!(s.ref_count() >= 2);
            (Some((s.0 & !RUNNING) - REF_ONE), ToIdle::Idle)
        })
    }

    /// The future finished or was dropped: RUNNING -> COMPLETE. Returns the new snapshot.
    pub(super) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.0.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is(RUNNING) && !prev.is(COMPLETE), "{prev:?}");
        Snapshot(prev.0 ^ (RUNNING | COMPLETE))
    }

    /// `wake_by_ref`: sets NOTIFIED; adds a reference for the Notified when it must be pushed.
    pub(super) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.update(|s| {
            if s.is(COMPLETE) || s.is(NOTIFIED) {
                (None, ToNotified::Nothing)
            } else if s.is(RUNNING) {
                (Some(s.0 | NOTIFIED), ToNotified::Nothing)
            } else {
                (Some((s.0 | NOTIFIED) + REF_ONE), ToNotified::Submit)
            }
        })
    }

    /// `wake` (by value): like `by_ref`, but consumes the waker's reference, which
    /// becomes the Notified's reference when one is pushed.
    pub(super) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.update(|s| {
            if s.is(COMPLETE) || s.is(NOTIFIED) || s.is(RUNNING) {
                let mut next = s.0 - REF_ONE;
                if s.is(RUNNING) {
                    next |= NOTIFIED;
                }
                let r = if Snapshot(next).ref_count() == 0 {
                    ToNotified::Dealloc
                } else {
                    ToNotified::Nothing
                };
                (Some(next), r)
            } else {
                (Some(s.0 | NOTIFIED), ToNotified::Submit)
            }
        })
    }

    /// `abort()`: sets CANCELLED (and NOTIFIED, so that the task is polled once more and
    /// drops its future there). Returns whether a Notified must be pushed.
    pub(super) fn transition_to_notified_and_cancel(&self) -> bool {
        self.update(|s| {
            if s.is(COMPLETE) || s.is(CANCELLED) {
                (None, false)
            } else if s.is(RUNNING) || s.is(NOTIFIED) {
                // The poller (or the queued Notified) will see CANCELLED.
                (Some(s.0 | CANCELLED | NOTIFIED), false)
            } else {
                (Some((s.0 | CANCELLED | NOTIFIED) + REF_ONE), true)
            }
        })
    }

    /// Runtime shutdown: claims an idle task for cancelling (sets RUNNING|CANCELLED and
    /// returns true), or only marks a running task CANCELLED so that its poller cancels it.
    pub(super) fn transition_to_shutdown(&self) -> bool {
        self.update(|s| {
            if s.is_idle() {
                (Some(s.0 | RUNNING | CANCELLED), true)
            } else {
                (Some(s.0 | CANCELLED), false)
            }
        })
    }

    /// The JoinHandle is dropped before anything happened to the task: the one-CAS
    /// fast path (most detached spawns take it).
    pub(super) fn drop_join_handle_fast(&self) -> bool {
        self.0
            .compare_exchange(INITIAL, INITIAL - REF_ONE - JOIN_INTEREST, Release, Relaxed)
            .is_ok()
    }

    /// Clears JOIN_INTEREST (and, if not complete, JOIN_WAKER, taking back the waker field).
    /// Returns (was complete: the JoinHandle must drop the output,
    ///          JoinHandle owns the waker field now: it must drop the waker).
    pub(super) fn transition_to_join_handle_dropped(&self) -> (bool, bool) {
        self.update(|s| {
            debug_assert!(s.is(JOIN_INTEREST));
            let mut next = s.0 & !JOIN_INTEREST;
            if !s.is(COMPLETE) {
                next &= !JOIN_WAKER;
            }
            (Some(next), (s.is(COMPLETE), next & JOIN_WAKER == 0))
        })
    }

    /// JoinHandle publishes the waker it wrote: sets JOIN_WAKER unless complete.
    pub(super) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fallible(|s| {
            debug_assert!(s.is(JOIN_INTEREST) && !s.is(JOIN_WAKER));
            if s.is(COMPLETE) {
                None
            } else {
                Some(s.0 | JOIN_WAKER)
            }
        })
    }

    /// JoinHandle takes the waker field back to replace the waker: clears JOIN_WAKER
    /// unless complete.
    pub(super) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fallible(|s| {
            debug_assert!(s.is(JOIN_INTEREST) && s.is(JOIN_WAKER));
            if s.is(COMPLETE) {
                None
            } else {
                Some(s.0 & !JOIN_WAKER)
            }
        })
    }

    /// After completion and waking the JoinHandle, the runtime gives the waker field back.
    pub(super) fn unset_join_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.0.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is(COMPLETE) && prev.is(JOIN_WAKER));
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    fn fallible(&self, f: impl Fn(Snapshot) -> Option<usize>) -> Result<Snapshot, Snapshot> {
        self.update(|s| match f(s) {
            Some(next) => (Some(next), Ok(Snapshot(next))),
            None => (None, Err(s)),
        })
    }

    /// Adds one reference (a cloned waker, an AbortHandle).
    pub(super) fn ref_inc(&self) {
        // Relaxed is enough for an increment: the new holder got its access from an
        // existing reference (the Arc argument, as in `std::sync::Arc::clone`).
        let prev = self.0.fetch_add(REF_ONE, Relaxed);
        assert!(prev <= isize::MAX as usize, "task reference count overflow");
    }

    /// Drops one reference; true when it was the last and the task must be freed.
    pub(super) fn ref_dec(&self) -> bool {
        self.ref_dec_n(1)
    }

    /// Drops `n` references at once; true when they were the last.
    pub(super) fn ref_dec_n(&self, n: usize) -> bool {
        let prev = Snapshot(self.0.fetch_sub(n * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= n, "{prev:?} - {n}");
        prev.ref_count() == n
    }
}
