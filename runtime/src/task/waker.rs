//! The task's `Waker`: a hand-written `RawWakerVTable` whose data pointer is the task's
//! header pointer, so a waker costs no allocation of its own.
//!
//! - `clone` adds a reference (one `fetch_add`).
//! - `wake_by_ref` sets NOTIFIED; only when the task was idle does it add a reference
//!   and push a `Notified` (rule 6 of the task module). It never allocates.
//! - `wake` does the same but reuses the waker's own reference for the `Notified`.
//! - `drop` drops the reference and frees the task if it was the last one.
//!
//! Every task shares this one vtable (it dispatches through `header.vtable`), so
//! `Waker::will_wake` is a cheap pointer comparison.

use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::raw::{Header, RawTask};
use super::state::ToNotified;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker that borrows the caller's reference: it must be wrapped in `ManuallyDrop`
/// (dropping it would drop a reference it never took).
///
/// # Safety
/// The caller holds a reference to the task for as long as the waker is used.
pub(super) unsafe fn borrowed(ptr: NonNull<Header>) -> Waker {
    // SAFETY: the vtable functions below uphold the RawWaker contract for a data pointer
    // that is a live task header; the caller keeps it live.
    unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr() as *const (), &VTABLE)) }
}

fn task(data: *const ()) -> RawTask {
    // SAFETY: wakers are only made by `borrowed`/`clone` from non-null header pointers.
    RawTask(unsafe { NonNull::new_unchecked(data as *mut Header) })
}

unsafe fn clone(data: *const ()) -> RawWaker {
    task(data).header().state.ref_inc();
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    let t = task(data);
    match t.header().state.transition_to_notified_by_val() {
        // SAFETY: the waker's reference now belongs to the Notified.
        ToNotified::Submit => unsafe { (t.vtable().schedule)(t.0) },
        // SAFETY: the waker's reference was the last.
        ToNotified::Dealloc => unsafe { (t.vtable().dealloc)(t.0) },
        ToNotified::Nothing => {}
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    let t = task(data);
    if t.header().state.transition_to_notified_by_ref() == ToNotified::Submit {
        // SAFETY: the transition counted a new reference for the Notified.
        unsafe { (t.vtable().schedule)(t.0) }
    }
}

unsafe fn drop_waker(data: *const ()) {
    let t = task(data);
    if t.header().state.ref_dec() {
        // SAFETY: that was the last reference.
        unsafe { (t.vtable().dealloc)(t.0) }
    }
}
