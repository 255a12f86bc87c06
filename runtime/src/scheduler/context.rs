//! The thread-local runtime context: which runtime this thread belongs to right now.
//!
//! Two facts per thread:
//! - `CURRENT`: the handle `spindle::spawn` and `Handle::current()` use. Set for the
//!   whole life of a worker thread, and for the duration of a `block_on`.
//! - `ENTERED`: this thread is driving a runtime (it is a worker, or inside
//!   `block_on`). Blocking it again (a nested `block_on`) would stall every task that
//!   thread is responsible for, so `enter` refuses with a message saying what to do.
//!
//! Guards restore the previous values on drop, so contexts nest correctly and unwind
//! safely.

use std::cell::{Cell, RefCell};

use super::Handle;

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
    static ENTERED: Cell<bool> = const { Cell::new(false) };
}

const NESTED: &str = "Cannot start a runtime from within a runtime. This happens because a function \
(like `block_on`) attempted to block the current thread while the thread is being used to drive \
asynchronous tasks; use .await instead, or Handle::spawn to run the future on the runtime";

/// Restores the previous context on drop.
pub(crate) struct ContextGuard {
    prev_handle: Option<Handle>,
    prev_entered: bool,
    /// The runtime's drivers, entered alongside (sockets and timers look them up).
    _driver: crate::driver::handle::EnterGuard,
}

/// Marks this thread as driving `handle`'s runtime; panics if it already drives one.
pub(crate) fn enter(handle: &Handle) -> ContextGuard {
    if ENTERED.with(Cell::get) {
        panic!("{NESTED}");
    }
    ENTERED.with(|e| e.set(true));
    ContextGuard {
        prev_handle: CURRENT.with(|c| c.borrow_mut().replace(handle.clone())),
        prev_entered: false,
        _driver: crate::driver::handle::enter(handle.driver().clone()),
    }
}

/// Sets the current handle without marking the thread as driving a runtime: used on
/// blocking-pool threads, where `spindle::spawn`, `Handle::current` and even
/// `Handle::block_on` are allowed (the thread drives no tasks).
pub(crate) fn set_current(handle: &Handle) -> ContextGuard {
    ContextGuard {
        prev_handle: CURRENT.with(|c| c.borrow_mut().replace(handle.clone())),
        prev_entered: ENTERED.with(Cell::get),
        _driver: crate::driver::handle::enter(handle.driver().clone()),
    }
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        ENTERED.with(|e| e.set(self.prev_entered));
        let prev = self.prev_handle.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

/// Runs `f` with the current handle, or returns `None` outside any runtime.
pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> Option<R> {
    CURRENT.with(|c| c.borrow().as_ref().map(f))
}

/// True while this thread drives a runtime.
pub(crate) fn is_entered() -> bool {
    ENTERED.with(Cell::get)
}
