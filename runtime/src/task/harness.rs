//! The task's life cycle, specialised for one future type `F` and scheduler `S`: poll,
//! complete, cancel, wake-and-schedule, read the output, free. These are the functions
//! in the task's vtable (see [`raw`](super::raw)); each follows the numbered rules in
//! the [`task`](super) module header, cited below as "rule N".
//!
//! `poll` also marks the task as the thread's current one (`task::id()`, the parent of
//! spawns in the trace) and returns whether the task finished, for the trace's
//! `PollEnd { ready }`.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::raw::{Cell, Header, RawTask, Stage};
use super::state::{COMPLETE, JOIN_INTEREST, JOIN_WAKER, Snapshot, ToIdle, ToRunning};
use super::{JoinError, Notified, Schedule};

/// Typed access to a task cell.
struct Harness<F: Future, S> {
    cell: NonNull<Cell<F, S>>,
}

impl<F, S> Harness<F, S>
where
    F: Future + 'static,
    S: Schedule,
{
    /// # Safety
    /// `ptr` must point to a live `Cell<F, S>` on which the caller holds a reference.
    unsafe fn from_raw(ptr: NonNull<Header>) -> Self {
        Harness { cell: ptr.cast() }
    }

    fn cell(&self) -> &Cell<F, S> {
        // SAFETY: per `from_raw`, the cell is live while the harness is used. Shared
        // access is fine: every field that is written after creation is an atomic or
        // an UnsafeCell.
        unsafe { self.cell.as_ref() }
    }

    fn raw(&self) -> RawTask {
        RawTask(self.cell.cast())
    }

    fn header(&self) -> &Header {
        &self.cell().header
    }

    /// Replaces the stage. Rule 2: the caller holds RUNNING, or the task is COMPLETE and
    /// the caller owns the output (the JoinHandle, or the runtime when JOIN_INTEREST is
    /// clear).
    fn set_stage(&self, stage: Stage<F>) {
        // SAFETY: by the caller's ownership of the stage (rule 2), no other thread reads
        // or writes it now. The old value (future or output) is dropped in place, which
        // is what `Pin` requires of a pinned future.
        self.cell().stage.with_mut(|p| unsafe { *p = stage });
    }

    /// Drops the future or output, catching a panic from its destructor.
    fn drop_stage_catching(&self) -> Result<(), Box<dyn std::any::Any + Send>> {
        catch_unwind(AssertUnwindSafe(|| self.set_stage(Stage::Consumed)))
    }

    /// Polls the future once (under the caller's RUNNING bit, rule 2), catching a panic.
    /// On `Ready` the future is dropped here and the output is returned.
    fn poll_future(&self, cx: &mut Context<'_>) -> Result<Poll<F::Output>, JoinError> {
        let res = catch_unwind(AssertUnwindSafe(|| {
            let out = self.cell().stage.with_mut(|p| {
                // SAFETY: RUNNING gives this thread exclusive use of the stage (rule 2).
                let stage = unsafe { &mut *p };
                let fut = match stage {
                    // SAFETY: the future lives in the heap cell and is never moved
                    // until it is dropped in place, so pinning it is sound.
                    Stage::Running(f) => unsafe { Pin::new_unchecked(f) },
                    _ => unreachable!("a task is only polled while its future is there"),
                };
                fut.poll(cx)
            });
            if out.is_ready() {
                // Drop the future inside the catch: its destructor may panic too.
                self.set_stage(Stage::Consumed);
            }
            out
        }));
        res.map_err(|payload| {
            // The future panicked: drop what is left of it, ignoring a second panic.
            let _ = self.drop_stage_catching();
            let _ = catch_unwind(AssertUnwindSafe(|| {
                (self.cell().scheduler).task_panicked(self.header().id, &*payload)
            }));
            JoinError::panic(payload)
        })
    }

    /// Rule 3: the task stops here. Leaves the owned-tasks list, publishes the output,
    /// wakes the JoinHandle and drops the poller's reference.
    fn complete(&self, output: Result<F::Output, JoinError>) {
        self.set_stage(Stage::Finished(output));
        // Leave the list first: whoever sees COMPLETE (a JoinHandle) then also sees the
        // task gone from `RuntimeStats::live_tasks`. Shutdown need not find us: we hold
        // RUNNING and are completing the task ourselves.
        let released = self.cell().scheduler.release(self.raw());
        let snap = self.header().state.transition_to_complete();
        // From here the JoinHandle may read the output; we touch the stage only when it
        // is gone (rule 4).
        let _ = catch_unwind(AssertUnwindSafe(|| self.notify_join_handle(snap)));
        if self.header().state.ref_dec_n(1 + released as usize) {
            // SAFETY: that was the last reference.
            unsafe { self.dealloc() };
        }
    }

    fn notify_join_handle(&self, snap: Snapshot) {
        if !snap.is(JOIN_INTEREST) {
            // Nobody will read the output: drop it now (rule 4).
            self.set_stage(Stage::Consumed);
        } else if snap.is(JOIN_WAKER) {
            // Rule 5: JOIN_WAKER set means the runtime may read the waker field.
            self.cell().join_waker.with(|w| {
                // SAFETY: JOIN_WAKER is set, so the JoinHandle does not write the field.
                if let Some(w) = unsafe { &*w } {
                    w.wake_by_ref();
                }
            });
            let snap = self.header().state.unset_join_waker_after_complete();
            if !snap.is(JOIN_INTEREST) {
                // The JoinHandle was dropped meanwhile and left the waker to us.
                // SAFETY: JOIN_WAKER is now clear and JOIN_INTEREST gone: nobody else
                // will touch the field again.
                self.cell().join_waker.with_mut(|w| unsafe { *w = None });
            }
        }
    }

    /// Drops the future of a task whose RUNNING bit we hold, then completes it cancelled.
    fn cancel(&self) {
        let err = match self.drop_stage_catching() {
            Ok(()) => JoinError::cancelled(),
            Err(payload) => JoinError::panic(payload),
        };
        self.complete(Err(err));
    }

    /// # Safety
    /// The reference count must have reached zero.
    unsafe fn dealloc(&self) {
        // SAFETY: the cell was allocated by `Cell::allocate` as a Box; no reference is
        // left, so nobody else can touch it.
        drop(unsafe { Box::from_raw(self.cell.as_ptr()) });
    }
}

/// Vtable `poll`: consumes a Notified's reference.
///
/// # Safety
/// `ptr` is a `Cell<F, S>` and the caller gives up one reference (a `Notified`'s).
pub(super) unsafe fn poll<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) -> bool {
    // SAFETY: the caller's reference keeps the cell alive.
    let h = unsafe { Harness::<F, S>::from_raw(ptr) };
    // `task::id()` inside the poll (and inside a cancelled future's destructor).
    let _current = super::id::enter(h.header().id);
    match h.header().state.transition_to_running() {
        ToRunning::Poll => {}
        ToRunning::Cancel => {
            h.cancel();
            return true;
        }
        ToRunning::Skip(last) => {
            if last {
                // SAFETY: the count reached zero.
                unsafe { h.dealloc() };
            }
            return false;
        }
    }
    // For the task dump: count and stamp the poll, and point the wait slot at this task
    // (leaf futures that return Pending write what they wait on into it).
    h.header().activity.begin_poll();
    // SAFETY: the poller's reference keeps the header (and its slot) alive past the guard.
    let _wait = unsafe { crate::wait::enter(&h.header().activity.wait) };
    // The waker handed to the future borrows the poller's reference: it is never
    // dropped (ManuallyDrop), and `clone` takes a new reference of its own.
    // SAFETY: the poller holds a reference for the whole poll.
    let waker = ManuallyDrop::new(unsafe { super::waker::borrowed(ptr) });
    let mut cx = Context::from_waker(&waker);
    match h.poll_future(&mut cx) {
        Ok(Poll::Ready(out)) => h.complete(Ok(out)),
        Err(panic) => h.complete(Err(panic)),
        Ok(Poll::Pending) => match h.header().state.transition_to_idle() {
            ToIdle::Idle => return false,
            // Woken while running (rule 6): requeue at the back (a self-wake is a yield,
            // it must not jump the queue through the LIFO slot).
            ToIdle::Notified => {
                h.cell().scheduler.yield_now(Notified(h.raw()));
                return false;
            }
            ToIdle::Cancel => h.cancel(),
        },
    }
    true
}

/// Vtable `schedule`: pushes a Notified whose reference the caller already counted.
///
/// # Safety
/// `ptr` is a `Cell<F, S>` and the caller transfers one reference to the Notified.
pub(super) unsafe fn schedule<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the transferred reference keeps the cell alive.
    let h = unsafe { Harness::<F, S>::from_raw(ptr) };
    h.cell().scheduler.schedule(Notified(h.raw()));
}

/// Vtable `dealloc`.
///
/// # Safety
/// `ptr` is a `Cell<F, S>` whose reference count reached zero.
pub(super) unsafe fn dealloc<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: forwarded from the caller.
    unsafe { Harness::<F, S>::from_raw(ptr).dealloc() }
}

/// Vtable `try_read_output`: the JoinHandle's poll.
///
/// # Safety
/// `ptr` is a `Cell<F, S>`, the caller is its JoinHandle, and `dst` points to a
/// `Poll<Result<F::Output, JoinError>>`.
pub(super) unsafe fn try_read_output<F: Future + 'static, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the JoinHandle holds a reference.
    let h = unsafe { Harness::<F, S>::from_raw(ptr) };
    if !can_read_output(&h, waker) {
        return;
    }
    // Rule 4: COMPLETE with JOIN_INTEREST: the output belongs to the JoinHandle.
    // SAFETY: see rule 4; nobody else touches the stage once the task is complete and
    // the JoinHandle is alive.
    let stage = h
        .cell()
        .stage
        .with_mut(|p| unsafe { std::ptr::replace(p, Stage::Consumed) });
    let Stage::Finished(out) = stage else {
        panic!("JoinHandle polled after it returned Ready")
    };
    // SAFETY: the caller passes a pointer to a `Poll<Result<F::Output, JoinError>>`.
    unsafe { *dst.cast::<Poll<Result<F::Output, JoinError>>>() = Poll::Ready(out) };
}

/// True when the task is complete; otherwise makes sure `waker` is the stored join
/// waker (rule 5) and returns false.
fn can_read_output<F: Future + 'static, S: Schedule>(h: &Harness<F, S>, waker: &Waker) -> bool {
    let state = &h.header().state;
    let snap = state.load();
    if snap.is(COMPLETE) {
        return true;
    }
    let res = if snap.is(JOIN_WAKER) {
        // SAFETY: with JOIN_WAKER set the runtime only reads the field; so may we.
        let same = h
            .cell()
            .join_waker
            .with(|w| unsafe { &*w }.as_ref().is_some_and(|w| w.will_wake(waker)));
        if same {
            return false;
        }
        // Take the field back before replacing the waker.
        state
            .unset_join_waker()
            .and_then(|_| set_join_waker(h, waker))
    } else {
        set_join_waker(h, waker)
    };
    match res {
        Ok(_) => false,
        Err(snap) => {
            debug_assert!(snap.is(COMPLETE));
            true
        }
    }
}

fn set_join_waker<F: Future + 'static, S: Schedule>(
    h: &Harness<F, S>,
    waker: &Waker,
) -> Result<Snapshot, Snapshot> {
    // SAFETY: JOIN_WAKER is clear, so the JoinHandle owns the field (rule 5).
    h.cell()
        .join_waker
        .with_mut(|w| unsafe { *w = Some(waker.clone()) });
    let res = h.header().state.set_join_waker();
    if res.is_err() {
        // Completed meanwhile: the field is still ours; empty it.
        // SAFETY: as above, JOIN_WAKER was not set.
        h.cell().join_waker.with_mut(|w| unsafe { *w = None });
    }
    res
}

/// Vtable `drop_join_handle_slow`.
///
/// # Safety
/// `ptr` is a `Cell<F, S>`; the caller is its JoinHandle and gives up its reference.
pub(super) unsafe fn drop_join_handle_slow<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the JoinHandle's reference keeps the cell alive until the ref_dec below.
    let h = unsafe { Harness::<F, S>::from_raw(ptr) };
    let (complete, owns_waker) = h.header().state.transition_to_join_handle_dropped();
    if complete {
        // Rule 4: the output is ours and nobody will read it. A panicking destructor
        // must not unwind out of `JoinHandle::drop`.
        let _ = h.drop_stage_catching();
    }
    if owns_waker {
        // SAFETY: JOIN_WAKER is clear, so the field is ours (rule 5).
        h.cell().join_waker.with_mut(|w| unsafe { *w = None });
    }
    if h.header().state.ref_dec() {
        // SAFETY: last reference.
        unsafe { h.dealloc() };
    }
}

/// Vtable `shutdown`: consumes one reference (the owned-tasks list's).
///
/// # Safety
/// `ptr` is a `Cell<F, S>`; the caller gives up one reference.
pub(super) unsafe fn shutdown<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the cell alive.
    let h = unsafe { Harness::<F, S>::from_raw(ptr) };
    if h.header().state.transition_to_shutdown() {
        // We hold RUNNING now; the given reference serves as the poller's (rule 3).
        let _current = super::id::enter(h.header().id);
        h.cancel();
    } else if h.header().state.ref_dec() {
        // SAFETY: last reference.
        unsafe { h.dealloc() };
    }
}
