//! The one park/unpark seam: how a thread with nothing to do goes to sleep, and how any
//! other thread wakes it.
//!
//! Every sleeping thread of the runtime (a multi-thread worker, the thread inside a
//! current-thread `block_on`, a thread blocked in `Handle::block_on`) parks through a
//! [`Parker`] and is woken through its [`Unparker`]. Nothing else in the runtime sleeps.
//! That is deliberate: the I/O and time driver sits *inside* this seam. The first runtime
//! thread to park while the driver is free waits in `mio::Poll::poll` (with the next
//! timer deadline as timeout) and `unpark` reaches it through a `mio::Waker`; the others
//! sleep on their condvars. No extra reactor thread, and no scheduler code knows which
//! of the two a parked thread is doing.
//!
//! Contract (the same as `std::thread::park`):
//! - `unpark` may be called from any thread, any number of times; it leaves one
//!   *token*. `park` consumes the token and returns at once if there is one, otherwise
//!   sleeps until `unpark`. (A parker in the driver also wakes at the next timer
//!   deadline.)
//! - `park` may return spuriously; callers re-check their condition in a loop.
//! - `park` and `poll_driver` return a `ParkReport`: the I/O events and timers this
//!   thread dispatched if it ran the driver (for the stats and the trace).
//! - An `unpark` that happens before `park` is never lost (the token waits).
//!
//! The implementation is a Mutex + Condvar with an atomic fast path and a driver state
//! ([`parker`]); [`block_on`](block_on()) is the loop that blocks a thread on one future
//! through a cached parker. See `docs/park-unpark.md` for how the schedulers use it
//! without lost wake-ups.

mod block_on;
mod parker;

pub(crate) use block_on::block_on;

use crate::driver::DriverSlot;

/// The sleeping side: owned by one thread.
pub(crate) struct Parker {
    inner: parker::Inner,
}

/// The waking side: cloneable, usable from any thread.
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: parker::Inner,
}

impl Parker {
    /// A parker for a thread that drives no runtime (it only ever sleeps on its condvar).
    pub(crate) fn new() -> Parker {
        Parker {
            inner: parker::Inner::new(None),
        }
    }

    /// A parker of a runtime thread: it sleeps in `driver` whenever the driver is free.
    pub(crate) fn with_driver(driver: std::sync::Arc<DriverSlot>) -> Parker {
        Parker {
            inner: parker::Inner::new(Some(driver)),
        }
    }

    /// Collects ready I/O events and due timers without sleeping, if the driver is free;
    /// returns how many this thread dispatched (for the stats and the trace).
    pub(crate) fn poll_driver(&self) -> crate::driver::ParkReport {
        self.inner.poll_driver()
    }

    /// Sleeps until unparked (may return spuriously); returns the I/O events and timers
    /// this thread dispatched if it slept in the driver (zero if on its condvar).
    pub(crate) fn park(&self) -> crate::driver::ParkReport {
        self.inner.park(None)
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
