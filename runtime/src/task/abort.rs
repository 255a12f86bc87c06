//! [`AbortHandle`]: a cloneable permission to cancel a task, without its output.
//! It holds one reference to the task cell (not JOIN_INTEREST), so a set of tasks (a
//! `JoinSet`) can abort them all while awaiting their `JoinHandle`s elsewhere.

use std::fmt;

use super::raw::RawTask;
use super::state::COMPLETE;

/// Cancels a task from anywhere; see [`JoinHandle::abort`](super::JoinHandle::abort).
pub struct AbortHandle {
    raw: RawTask,
}

// SAFETY: an AbortHandle only touches the task's atomic state word and schedules it
// through the task's own (Send + Sync) scheduler; it never touches the future or output.
unsafe impl Send for AbortHandle {}
// SAFETY: as above; every method takes `&self` and is atomic.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    pub(super) fn new(raw: RawTask) -> AbortHandle {
        raw.header().state.ref_inc();
        AbortHandle { raw }
    }

    /// Cancels the task (no effect if it already finished).
    pub fn abort(&self) {
        self.raw.abort();
    }

    /// True once the task has finished.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is(COMPLETE)
    }

    /// The task's [`Id`](super::Id).
    pub fn id(&self) -> super::Id {
        self.raw.id()
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        AbortHandle::new(self.raw)
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        if self.raw.header().state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { (self.raw.vtable().dealloc)(self.raw.0) }
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl RawTask {
    /// Shared by JoinHandle and AbortHandle: rule 7 of the task module.
    pub(super) fn abort(&self) {
        if self.header().state.transition_to_notified_and_cancel() {
            // SAFETY: the transition counted a reference for the Notified we push.
            unsafe { (self.vtable().schedule)(self.0) }
        }
    }
}
