//! The per-thread context: everything "which runtime am I on, and as what?" needs, in
//! one thread-local, looked up once per spawn or wake.
//!
//! | field     | set by                                    | read by |
//! |-----------|-------------------------------------------|---------|
//! | `handle`  | `enter` (worker threads, `block_on`), `set_current` (blocking-pool threads) | `spindle::spawn`, `Handle::current`, `task::Builder` |
//! | `entered` | `enter`                                   | `enter` (a nested `block_on` panics), runtime drop |
//! | `local`   | a multi-thread worker for its life (`Local::worker`); a current-thread `block_on` while it holds the core (`Local::core`) | the flavour's `schedule`/`spawn`: is this thread one of mine? |
//!
//! `local` is type-erased (`*const ()`): each flavour stores and reads only its own
//! pointer (a `WorkerContext` in `multi_thread/worker.rs`, a `CoreContext` in
//! `current_thread.rs`), which lives on that thread's stack while it is set, and checks
//! that the pointee belongs to the runtime asking. So this file knows no flavour, and a
//! new flavour adds a field here, not a thread-local.
//!
//! Kept elsewhere, on purpose: the cooperative budget (`coop.rs`), because the leaf
//! futures of `task/`, `sync/`, `time/` and `net/` read it and sit below this layer;
//! the task id being polled (`task/id.rs`), for the same reason; a trace lane is the
//! flavour's (reached through `local`); the drivers' handle (`driver/handle.rs`), which
//! sockets and timers below this layer look up; the running `LocalSet`
//! (`scheduler/local.rs`), which nests inside any runtime; and the cached parker of
//! `park/block_on.rs`.
//!
//! `ENTERED` semantics: this thread is driving a runtime (a worker, or inside
//! `block_on`). Blocking it again (a nested `block_on`) would stall every task that
//! thread is responsible for, so `enter` refuses with a message saying what to do.
//! Guards restore the previous values on drop, so contexts nest correctly and unwind
//! safely.

use std::cell::{Cell, RefCell};

use super::Handle;

/// This thread's scheduler-local state, type-erased (see the module header).
#[derive(Clone, Copy)]
pub(crate) struct Local {
    /// A multi-thread `WorkerContext`, while this thread is a worker.
    pub(crate) worker: *const (),
    /// A current-thread `CoreContext`, while this thread holds the core.
    pub(crate) core: *const (),
}

impl Local {
    const NONE: Local = Local {
        worker: std::ptr::null(),
        core: std::ptr::null(),
    };
}

struct Context {
    handle: RefCell<Option<Handle>>,
    entered: Cell<bool>,
    local: Cell<Local>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            handle: RefCell::new(None),
            entered: Cell::new(false),
            local: Cell::new(Local::NONE),
        }
    };
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
    CONTEXT.with(|cx| {
        if cx.entered.get() {
            panic!("{NESTED}");
        }
        cx.entered.set(true);
        ContextGuard {
            prev_handle: cx.handle.borrow_mut().replace(handle.clone()),
            prev_entered: false,
            _driver: crate::driver::handle::enter(handle.driver().clone()),
        }
    })
}

/// Sets the current handle without marking the thread as driving a runtime: used on
/// blocking-pool threads, where `spindle::spawn`, `Handle::current` and even
/// `Handle::block_on` are allowed (the thread drives no tasks).
pub(crate) fn set_current(handle: &Handle) -> ContextGuard {
    CONTEXT.with(|cx| ContextGuard {
        prev_handle: cx.handle.borrow_mut().replace(handle.clone()),
        prev_entered: cx.entered.get(),
        _driver: crate::driver::handle::enter(handle.driver().clone()),
    })
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        let prev = self.prev_handle.take();
        CONTEXT.with(|cx| {
            cx.entered.set(self.prev_entered);
            *cx.handle.borrow_mut() = prev;
        });
    }
}

/// Runs `f` with the current handle and this thread's scheduler-local state (one
/// lookup), or returns `None` outside any runtime.
#[inline]
pub(crate) fn with_current_local<R>(f: impl FnOnce(&Handle, Local) -> R) -> Option<R> {
    CONTEXT.with(|cx| cx.handle.borrow().as_ref().map(|h| f(h, cx.local.get())))
}

/// Runs `f` with the current handle, or returns `None` outside any runtime.
pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> Option<R> {
    CONTEXT.with(|cx| cx.handle.borrow().as_ref().map(f))
}

/// True while this thread drives a runtime.
pub(crate) fn is_entered() -> bool {
    CONTEXT.with(|cx| cx.entered.get())
}

/// This thread's scheduler-local state (null pointers on a thread that runs no tasks).
#[inline]
pub(crate) fn local() -> Local {
    CONTEXT.with(|cx| cx.local.get())
}

/// Replaces this thread's scheduler-local state; returns the previous one, which the
/// caller restores when its pointee leaves the stack.
pub(crate) fn replace_local(local: Local) -> Local {
    CONTEXT.with(|cx| cx.local.replace(local))
}

/// Sets only the current-thread core of this thread's scheduler-local state (one
/// lookup); returns the previous state, which the caller restores.
#[inline]
pub(crate) fn replace_core(core: *const ()) -> Local {
    CONTEXT.with(|cx| {
        let prev = cx.local.get();
        cx.local.set(Local { core, ..prev });
        prev
    })
}

/// Sets this thread's scheduler-local state until the guard drops (also on unwind), so
/// no code that runs after the pointee left the stack can find it.
pub(crate) fn set_local(local: Local) -> LocalGuard {
    LocalGuard(replace_local(local))
}

/// Restores the previous scheduler-local state on drop.
pub(crate) struct LocalGuard(Local);

impl Drop for LocalGuard {
    fn drop(&mut self) {
        replace_local(self.0);
    }
}
