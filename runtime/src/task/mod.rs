//! Tasks: the unit the scheduler runs.
//!
//! A spawned future lives in one heap allocation, the *task cell* (`raw.rs`): a header
//! (state word, vtable, [`Id`] (`id.rs`), owned-list links), the scheduler handle, the future-or-output
//! *stage*, and the JoinHandle's waker. Everything that refers to a task (queue entries,
//! wakers, the `JoinHandle`, `AbortHandle`s, the owned-tasks list) is a thin pointer to
//! that cell that owns one count of the reference count kept in the state word. The
//! last one to let go frees the cell.
//!
//! ## The state word (`state.rs`)
//!
//! | bit | name          | set when / invariant |
//! |-----|---------------|----------------------|
//! | 0   | RUNNING       | one thread is polling or cancelling the task and owns the stage; cleared when the poll ends |
//! | 1   | COMPLETE      | the future is gone (output stored or task cancelled); never cleared; RUNNING is clear from then on |
//! | 2   | NOTIFIED      | the task has been woken: a `Notified` exists in some queue, or (if RUNNING) one will be created when the poll ends; at most one `Notified` exists |
//! | 3   | CANCELLED     | abort or shutdown asked for the future to be dropped; the next thread to hold RUNNING drops it instead of polling |
//! | 4   | JOIN_INTEREST | the `JoinHandle` is alive and will take the output |
//! | 5   | JOIN_WAKER    | the join waker field holds a waker and belongs to the runtime (read-only for the `JoinHandle`) |
//! | 6.. | refs          | number of live references (`REF_ONE = 1 << 6`) |
//!
//! A new task starts as `NOTIFIED | JOIN_INTEREST` with three references: the
//! owned-tasks list's, the first `Notified`'s and the `JoinHandle`'s.
//!
//! ## Rules: who may touch which field, and when
//!
//! 1. **Header.** `state` is only changed by atomic read-modify-write; `vtable` never
//!    changes; the owned-list links only under that list's shard lock.
//! 2. **Stage while running.** Only the thread that set RUNNING (by turning NOTIFIED into
//!    RUNNING, or shutdown claiming an idle task) reads or writes the stage, until it
//!    clears RUNNING or sets COMPLETE.
//! 3. **Completion.** The RUNNING holder stores the output (or a `JoinError`) and leaves
//!    the owned list *before* setting COMPLETE (a release operation); then it notifies the
//!    JoinHandle and drops its reference (plus the list's).
//! 4. **Stage after completion.** Once COMPLETE is set the output belongs to the
//!    JoinHandle if JOIN_INTEREST is set at that moment, else to the completing thread,
//!    which drops it. A JoinHandle that drops after COMPLETE drops the output itself.
//! 5. **Join waker.** While JOIN_WAKER is clear the JoinHandle owns the field and may
//!    write it, then set JOIN_WAKER (which fails if COMPLETE is set). While it is set the
//!    runtime may read it (to wake); after waking a complete task the runtime clears it,
//!    and drops the waker itself if JOIN_INTEREST is gone by then.
//! 6. **Wakes.** A wake of an idle task sets NOTIFIED and pushes exactly one `Notified`
//!    (holding its own reference); a wake of a NOTIFIED or COMPLETE task does nothing; a
//!    wake of a RUNNING task only sets NOTIFIED, and the poller re-queues the task when
//!    its poll returns `Pending`. So a task is never queued twice, and `wake_by_ref`
//!    never allocates (it adds a reference count at most).
//! 7. **Abort.** Sets CANCELLED (and NOTIFIED); if the task was idle, pushes a `Notified`
//!    so that a worker drops the future. A finished task ignores it.
//! 8. **Shutdown.** Closes the owned list, then claims each idle task (RUNNING |
//!    CANCELLED) and drops its future on the shutting-down thread; a running task is only
//!    marked CANCELLED and its poller drops the future after the poll. Queue entries
//!    (`Notified`s) left behind only hold references: dropping them frees nothing else.
//!
//! The design follows tokio's `runtime/task/{mod,state,harness}.rs` (the state bits,
//! the JOIN_WAKER hand-over, the reference count packed above the flags) and async-task's
//! `raw.rs` (one allocation, a hand-written waker vtable). See `docs/task-state.md` for
//! the races these rules close, step by step.

mod abort;
mod activity;
pub(crate) mod error;
mod harness;
mod id;
mod join;
pub(crate) mod list;
mod raw;
mod state;
mod waker;
mod yield_now;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

use std::future::Future;

pub use abort::AbortHandle;
pub use error::JoinError;
pub use id::{Id, id, try_id};
pub use join::JoinHandle;
pub use yield_now::yield_now;

// The public face of `spindle::task`: the ways to start a task live in the layers that
// know about runtimes (see docs/ARCHITECTURE.md, "Layers"); only their names are here,
// so `spindle::task::spawn` reads as in tokio. Nothing in this folder uses them.
pub use crate::runtime::join_set::JoinSet;
pub use crate::runtime::spawn::{spawn, spawn_blocking};
pub use crate::runtime::task_builder::Builder;
pub use crate::scheduler::local::{LocalSet, spawn_local};

use raw::Cell;
pub(crate) use raw::RawTask;

/// What the task dump reads of one task (see `activity.rs` and `list::OwnedTasks::for_each`).
pub(crate) struct Sample {
    pub(crate) id: Id,
    /// RUNNING was set when the state was read.
    pub(crate) running: bool,
    /// NOTIFIED (and not RUNNING): the task sits in a run queue.
    pub(crate) scheduled: bool,
    /// COMPLETE: finished, its output not yet taken.
    pub(crate) complete: bool,
    pub(crate) activity: activity::ActivitySnapshot,
}

impl RawTask {
    /// Reads the task's state word and activity (any thread; the caller keeps the task
    /// alive, e.g. by holding the owned list's shard lock).
    pub(crate) fn sample(&self) -> Sample {
        let snap = self.header().state.load();
        Sample {
            id: self.id(),
            running: snap.is(state::RUNNING),
            scheduled: snap.is(state::NOTIFIED) && !snap.is(state::RUNNING),
            complete: snap.is(state::COMPLETE),
            activity: self.header().activity.snapshot(),
        }
    }
}

/// What a task needs from its scheduler. Implemented by the runtime's scheduler handles
/// (and by the counting test scheduler of the unit tests).
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queue a woken task. Called from any thread.
    fn schedule(&self, task: Notified);
    /// Queue a task that woke itself during its poll (a yield): to the back of the queue.
    fn yield_now(&self, task: Notified) {
        self.schedule(task)
    }
    /// Remove a finished task from the owned-tasks list; true if it was there.
    fn release(&self, task: RawTask) -> bool;
    /// Task `id`'s future panicked with `payload` (before the panic becomes its
    /// `JoinError`): the runtime's `UnhandledPanic` policy (`scheduler/panic_policy.rs`).
    fn task_panicked(&self, _id: Id, _payload: &(dyn std::any::Any + Send)) {}
}

/// A task that is scheduled to run: one reference, at most one per task (rule 6).
/// Running it consumes it; dropping it (e.g. a queue drained at shutdown) only drops the
/// reference.
pub(crate) struct Notified(RawTask);

// SAFETY: a Notified is a reference to a task. For tasks from `spawn` the future is
// `Send`, so any thread may poll it under the rules of this module. For `LocalSet` tasks
// (`!Send` futures) only the owner thread ever runs or cancels them; other threads can
// only drop the entry, which drops a reference and never the future (see local.rs).
unsafe impl Send for Notified {}

impl Notified {
    /// Polls the task once (or cancels it), consuming this reference. True if the task
    /// finished in this call (the trace's `PollEnd { ready }`).
    #[inline]
    pub(crate) fn run(self) -> bool {
        let raw = self.0;
        std::mem::forget(self);
        // SAFETY: we give up the Notified's reference to `poll`, as it expects.
        unsafe { (raw.vtable().poll)(raw.0) }
    }

    /// The task's id (read before `run`, which may free the task).
    #[inline]
    pub(crate) fn id(&self) -> Id {
        self.0.id()
    }
}

impl Notified {
    /// Cancels the task instead of running it (its scheduler is going away), consuming
    /// this reference: an idle task's future is dropped here (rule 8).
    pub(crate) fn shutdown(self) {
        let raw = self.0;
        std::mem::forget(self);
        // SAFETY: we hand our reference over to `shutdown`, as it expects.
        unsafe { (raw.vtable().shutdown)(raw.0) }
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        if self.0.header().state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { (self.0.vtable().dealloc)(self.0.0) }
        }
    }
}

/// Allocates a task: returns the first `Notified`, the `JoinHandle`, and the raw pointer
/// whose reference belongs to the owned-tasks list (bind it, or call [`shutdown_unbound`]).
pub(crate) fn new_task<F, S>(future: F, scheduler: S) -> (Notified, JoinHandle<F::Output>, RawTask)
where
    F: Future + 'static,
    S: Schedule,
{
    let raw = RawTask(Cell::allocate(future, scheduler, Id::next()));
    (Notified(raw), JoinHandle::new(raw), raw)
}

/// Allocates a task and binds it into `owned`: returns its `JoinHandle` and its first
/// `Notified`, or no `Notified` if the list is closed (the runtime is shutting down):
/// then the task is cancelled here and its `JoinHandle` reports it. The one
/// bind-or-cancel of every scheduler (`scheduler/common.rs`, `scheduler/local.rs`).
pub(crate) fn bind_new<F, S>(
    owned: &list::OwnedTasks,
    future: F,
    scheduler: S,
) -> (JoinHandle<F::Output>, Option<Notified>)
where
    F: Future + 'static,
    S: Schedule,
{
    let (notified, join, raw) = new_task(future, scheduler);
    if owned.bind(raw) {
        (join, Some(notified))
    } else {
        shutdown_unbound(raw);
        drop(notified);
        (join, None)
    }
}

/// For tasks that are never put in an owned-tasks list (blocking tasks, which always run or
/// are cancelled by their pool): drops the reference the list would have held. It cannot be
/// the last one (the `Notified` and the `JoinHandle` hold theirs).
pub(crate) fn forget_unowned(task: RawTask) {
    let last = task.header().state.ref_dec();
    debug_assert!(!last);
}

/// Cancels a task the closed owned-tasks list refused, consuming the list's reference.
pub(crate) fn shutdown_unbound(task: RawTask) {
    // SAFETY: the caller hands over the reference the list would have held.
    unsafe { (task.vtable().shutdown)(task.0) }
}
