//! The drivers: what a parked worker runs while it has nothing else to do.
//!
//! - [`io`]: the mio event loop (epoll), which turns socket readiness into task wakeups;
//! - [`time`]: the timing wheel, which turns deadlines into task wakeups;
//! - [`handle`]: how code on a runtime thread finds them;
//! - [`slot`]: the driver shared by one runtime's parkers (who sleeps in it).
//!
//! [`Driver::park`] is the one call the scheduler's Park seam makes: sleep in
//! `epoll_wait` until an I/O event, the next timer deadline, or an unpark — whichever
//! comes first — then fire the timers that are due. The first worker to park holds the
//! `Driver`; the others sleep on their own condvars. So no extra reactor thread exists:
//! an idle worker *is* the reactor (the design of tokio's multi-thread scheduler).

pub(crate) mod handle;
pub(crate) mod io;
pub(crate) mod slot;
pub(crate) mod time;

use std::sync::Arc;
use std::time::Duration;

pub(crate) use handle::DriverHandle;
pub(crate) use slot::DriverSlot;

/// What one `park` saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ParkReport {
    /// I/O readiness events dispatched to sources.
    pub(crate) io_events: usize,
    /// Timers that fired.
    pub(crate) timers_fired: usize,
}

/// The I/O driver plus the time driver, owned by the thread that parks in them.
#[derive(Debug)]
pub(crate) struct Driver {
    io: io::IoDriver,
    handle: DriverHandle,
}

impl Driver {
    /// Creates both drivers with a clock that cannot be paused.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn new() -> std::io::Result<Driver> {
        Driver::with_clock(false, false)
    }

    /// Creates both drivers; the clock may be paused if `pausable` (current-thread
    /// runtimes) and starts paused if `start_paused`.
    pub(crate) fn with_clock(pausable: bool, start_paused: bool) -> std::io::Result<Driver> {
        let io = io::IoDriver::new()?;
        let time = Arc::new(time::TimeShared::new(
            io.shared().clone(),
            pausable,
            start_paused,
        ));
        let handle = DriverHandle {
            io: io.shared().clone(),
            time,
        };
        Ok(Driver { io, handle })
    }

    /// The shared halves, for [`handle::enter`] and for unparking.
    pub(crate) fn handle(&self) -> &DriverHandle {
        &self.handle
    }

    /// Sleeps until I/O, the next timer, an [`DriverHandle::unpark`], or `max` elapses
    /// (`None`: no limit of its own; `Some(ZERO)`: just collect what is ready), then
    /// wakes the tasks that became ready.
    ///
    /// ## Paused time: the auto-advance
    /// When the clock is paused (`spindle::time::pause`) and this is a real park (`max`
    /// is `None`: the scheduler found nothing to run), sleeping until the next timer
    /// would wait for a clock that never moves. So, as tokio does, the driver first
    /// collects I/O with a zero timeout; if no event came and nobody unparked it (no
    /// task became ready), every task is idle, and it advances the clock to the next
    /// timer's expiration and fires it instead of sleeping. With no timer waiting it
    /// parks for real (only I/O or another thread can wake the runtime then).
    pub(crate) fn park(&mut self, max: Option<Duration>) -> std::io::Result<ParkReport> {
        if max.is_none() && self.handle.time.clock().is_paused() {
            return self.park_paused();
        }
        let timeout = match (max, self.handle.time.next_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let io_events = self.io.turn(timeout)?;
        let timers_fired = self.handle.time.process();
        Ok(ParkReport {
            io_events,
            timers_fired,
        })
    }
}

impl Driver {
    /// [`Driver::park`] with the clock paused (see there).
    fn park_paused(&mut self) -> std::io::Result<ParkReport> {
        let io_events = self.io.turn(Some(Duration::ZERO))?;
        let mut timers_fired = self.handle.time.process();
        if io_events == 0 && timers_fired == 0 && !self.io.last_turn_was_unparked() {
            timers_fired = self.handle.time.auto_advance();
            if timers_fired == 0 {
                // No timer at all: nothing but I/O or another thread can wake us.
                let io_events = self.io.turn(None)?;
                let timers_fired = self.handle.time.process();
                return Ok(ParkReport {
                    io_events,
                    timers_fired,
                });
            }
        }
        Ok(ParkReport {
            io_events,
            timers_fired,
        })
    }
}

impl DriverHandle {
    /// Interrupts a [`Driver::park`] in progress on another thread (or makes the next
    /// one return at once).
    pub(crate) fn unpark(&self) {
        // An error means epoll is gone: the runtime is shutting down, nobody to wake.
        let _ = self.io.unpark();
    }

    /// Shuts both drivers down: pending I/O and timers are woken and then report it.
    pub(crate) fn shutdown(&self) {
        self.io.shutdown();
        self.time.shutdown();
    }
}

/// Test support: runs one future to completion on the current thread, parking in a
/// fresh driver whenever it is pending — a runtime with a single task and no scheduler,
/// so the drivers and the futures built on them are tested on their own.
#[cfg(all(test, not(loom)))]
pub(crate) fn block_on_driver<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};

    struct Unpark(DriverHandle);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    let mut driver = Driver::new().expect("create a driver");
    let _enter = handle::enter(driver.handle().clone());
    let waker = Waker::from(Arc::new(Unpark(driver.handle().clone())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = crate::coop::with_budget(|| future.as_mut().poll(&mut cx)) {
            return output;
        }
        driver.park(None).expect("park in the driver");
    }
}
