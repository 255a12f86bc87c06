//! [`DriverSlot`]: one runtime's driver, shared by all the threads that may park in it.
//!
//! The slot is the driver behind a mutex plus a copy of its shared halves. A parker
//! (`park/parker.rs`) that finds nothing to do `try_lock`s the slot: the winner sleeps in
//! `epoll_wait`, the others sleep on their condvars, and [`DriverSlot::handle`] reaches
//! the winner from any thread (its `unpark` writes the driver's eventfd). The lock is
//! never waited for: a thread that loses the `try_lock` parks elsewhere.

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use super::{Driver, DriverHandle};

/// A runtime's driver, shared by its parkers: whoever parks first while it is free
/// sleeps in it; [`DriverSlot::handle`] wakes it from anywhere.
pub(crate) struct DriverSlot {
    driver: Mutex<Driver>,
    handle: DriverHandle,
}

impl DriverSlot {
    pub(crate) fn new(driver: Driver) -> Arc<DriverSlot> {
        let handle = driver.handle().clone();
        Arc::new(DriverSlot {
            driver: Mutex::new(driver),
            handle,
        })
    }

    /// The drivers' shared halves (for entering them, unparking, shutting down).
    pub(crate) fn handle(&self) -> &DriverHandle {
        &self.handle
    }

    /// The driver, if no other thread holds it now.
    pub(crate) fn try_lock(
        &self,
    ) -> Result<MutexGuard<'_, Driver>, TryLockError<MutexGuard<'_, Driver>>> {
        self.driver.try_lock()
    }
}
