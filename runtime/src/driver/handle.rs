//! Which drivers the code running on this thread talks to.
//!
//! A socket or a `sleep` is created inside a task, and must find the I/O and time
//! drivers of the runtime that runs the task. The runtime *enters* its drivers on each
//! of its threads (and in `block_on`); creation looks them up here. Entering nests: the
//! guard restores what was there before.
//!
//! Outside any runtime the lookup fails, and the public constructors turn that into a
//! panic that says how to fix it.

use std::cell::RefCell;
use std::sync::Arc;

use super::io::IoShared;
use super::time::TimeShared;

/// The shared halves of a runtime's drivers.
#[derive(Clone, Debug)]
pub(crate) struct DriverHandle {
    pub(crate) io: Arc<IoShared>,
    pub(crate) time: Arc<TimeShared>,
}

thread_local! {
    static CURRENT: RefCell<Option<DriverHandle>> = const { RefCell::new(None) };
}

/// Restores the previously entered drivers when dropped.
#[derive(Debug)]
pub(crate) struct EnterGuard {
    previous: Option<DriverHandle>,
}

/// Makes `handle` the current thread's drivers until the guard drops.
pub(crate) fn enter(handle: DriverHandle) -> EnterGuard {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(handle));
    EnterGuard { previous }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // `try_with`: a guard dropped during thread-local destruction has nothing to restore.
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
    }
}

/// The current thread's drivers, if a runtime entered them.
pub(crate) fn try_current() -> Option<DriverHandle> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// The current thread's time driver (one `Arc` clone, no more: a `timeout` around a
/// ready future pays only this), or the panic of [`current`].
#[track_caller]
pub(crate) fn current_time(what: &str) -> Arc<TimeShared> {
    let time = CURRENT
        .try_with(|c| c.borrow().as_ref().map(|h| h.time.clone()))
        .ok()
        .flatten();
    time.unwrap_or_else(|| no_runtime(what))
}

/// The current runtime's clock reading (`spindle::time::Instant::now`), without cloning
/// the handle; `None` outside a runtime.
pub(crate) fn clock_now() -> Option<std::time::Instant> {
    CURRENT
        .try_with(|c| c.borrow().as_ref().map(|h| h.time.now()))
        .ok()
        .flatten()
}

#[track_caller]
fn no_runtime(what: &str) -> ! {
    panic!(
        "{what} must be created inside a spindle runtime: call it from a task or from \
         inside Runtime::block_on (there is no spindle runtime on this thread)"
    )
}

/// The current thread's drivers, or a panic naming `what` and the fix.
#[track_caller]
pub(crate) fn current(what: &str) -> DriverHandle {
    try_current().unwrap_or_else(|| no_runtime(what))
}
