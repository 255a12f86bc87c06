//! The one park/unpark seam: how a thread with nothing to do goes to sleep, and how any
//! other thread wakes it.
//!
//! Every sleeping thread of the runtime (a multi-thread worker, the thread inside a
//! current-thread `block_on`, a thread blocked in `Handle::block_on`) parks through a
//! [`Parker`] and is woken through its [`Unparker`]. Nothing else in the runtime sleeps.
//! That is deliberate: the I/O driver (next step) replaces the *inside* of this seam,
//! so that the first worker to park waits in `mio::Poll::poll` (with the next timer
//! deadline as timeout) and `unpark` goes through a `mio::Waker` — no extra reactor
//! thread, and no caller changes.
//!
//! Contract (the same as `std::thread::park`):
//! - `unpark` may be called from any thread, any number of times; it leaves one
//!   *token*. `park` consumes the token and returns at once if there is one, otherwise
//!   sleeps until `unpark` (or, for `park_timeout`, until the timeout).
//! - `park` may return spuriously; callers re-check their condition in a loop.
//! - An `unpark` that happens before `park` is never lost (the token waits).
//!
//! Today's implementation is a Mutex + Condvar with an atomic fast path
//! ([`condvar`]); see `docs/park-unpark.md` for how the schedulers use it without
//! lost wake-ups.

mod condvar;
mod thread;

use std::time::Duration;

pub(crate) use thread::block_on;

/// The sleeping side: owned by one thread.
pub(crate) struct Parker {
    inner: condvar::Inner,
}

/// The waking side: cloneable, usable from any thread.
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: condvar::Inner,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker {
            inner: condvar::Inner::new(),
        }
    }

    /// Sleeps until unparked (may return spuriously).
    pub(crate) fn park(&self) {
        self.inner.park(None);
    }

    /// Sleeps until unparked or until `timeout` has passed.
    #[allow(dead_code)] // the I/O driver's timer deadline uses it
    pub(crate) fn park_timeout(&self, timeout: Duration) {
        self.inner.park(Some(timeout));
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }
}

impl Unparker {
    /// Wakes the parked thread, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        self.inner.unpark();
    }
}
