//! [`JoinHandle`]: the owned handle to a spawned task's output.
//!
//! Awaiting it yields `Ok(output)`, or a [`JoinError`] if the task panicked or was
//! cancelled. Dropping it *detaches* the task: the task keeps running and its output is
//! dropped when it finishes. The handle holds one reference to the task cell and the
//! JOIN_INTEREST bit; its waker lives in the cell (`join_waker`, rule 5 of the task
//! module), so polling a pending handle twice with the same waker costs one atomic load
//! and a pointer comparison.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::raw::RawTask;
use super::state::COMPLETE;
use super::{AbortHandle, JoinError};
use crate::coop;

/// An owned permission to await a task's output. See the module docs.
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves the output `T` out of the task to whichever thread
// polls it, so it may cross threads when `T: Send`; the cell itself is shared through
// atomics and the rules of the task module.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only allows `is_finished`/`abort`/`abort_handle`, which touch
// the atomic state word, never `T`.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Takes over the JoinHandle's reference counted in the new task.
    pub(super) fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// Cancels the task: its future is dropped the next time a worker looks at it (at
    /// once if it is idle, after the current poll if it is running), and awaiting this
    /// handle then yields a cancelled [`JoinError`]. No effect on a finished task.
    pub fn abort(&self) {
        self.raw.abort();
    }

    /// True once the task has finished (completed, panicked or been cancelled).
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is(COMPLETE)
    }

    /// Records where the task was spawned, and its name (the spawning APIs, once).
    pub(crate) fn set_origin(
        &self,
        location: &'static std::panic::Location<'static>,
        name: Option<&str>,
    ) {
        self.raw.header().activity.set_origin(location, name);
    }

    /// The task's [`Id`](super::Id) (also what `task::id()` returns inside it).
    pub fn id(&self) -> super::Id {
        self.raw.id()
    }

    /// A handle that can abort the task without owning its output (e.g. for a set of
    /// tasks); it does not keep the output alive.
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle::new(self.raw)
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A join is a leaf future: spend a unit of the cooperative budget, so that a
        // task looping over finished JoinHandles still yields now and then.
        let mut coop = std::task::ready!(coop::poll_proceed(cx));
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: we are the task's JoinHandle (we hold JOIN_INTEREST and a reference),
        // and `out` has the type `try_read_output` writes for this task's output type `T`
        // (JoinHandle<T> is only created for a task whose future outputs `T`).
        unsafe {
            (self.raw.vtable().try_read_output)(
                self.raw.0,
                &mut out as *mut _ as *mut (),
                cx.waker(),
            )
        };
        if out.is_ready() {
            coop.made_progress();
        } else {
            crate::wait::set(crate::wait::Wait::Join(self.raw.id().as_u64()));
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.raw.header().state.drop_join_handle_fast() {
            return;
        }
        // SAFETY: we are the JoinHandle and give up our reference.
        unsafe { (self.raw.vtable().drop_join_handle_slow)(self.raw.0) }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
