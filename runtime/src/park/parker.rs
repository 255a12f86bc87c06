//! A Mutex + Condvar parker with an atomic fast path (the design of std's generic
//! thread parker and of tokio's `park/thread.rs`), which sleeps in the runtime's I/O and
//! time driver instead whenever the driver is free.
//!
//! States of `state`:
//! - `EMPTY`: no token, nobody asleep;
//! - `PARKED`: the owner is asleep (or about to sleep) on the condvar;
//! - `PARKED_DRIVER`: the owner is asleep (or about to sleep) in the driver's
//!   `epoll_wait`;
//! - `NOTIFIED`: a token is waiting for the next `park`.
//!
//! Invariants:
//! - The owner moves EMPTY -> PARKED and PARKED -> EMPTY only while holding the mutex,
//!   and `unpark` takes the mutex before `notify_one` when it saw PARKED; so the
//!   notification cannot fall between the owner's check and its `wait`.
//! - The owner moves EMPTY -> PARKED_DRIVER *before* it enters `epoll_wait`; `unpark`
//!   that sees PARKED_DRIVER writes the driver's eventfd (`mio::Waker`). An eventfd write
//!   before `epoll_wait` starts is still reported by it, so that wake is not lost either.
//! - An `unpark` that finds EMPTY or NOTIFIED is a single `swap`: no lock, no syscall.
//!
//! Only one thread at a time holds the driver (a `try_lock`): the first worker to park
//! becomes the reactor, the others sleep on their condvars (tokio's multi-thread design:
//! no dedicated reactor thread).

use std::time::{Duration, Instant};

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Arc, Condvar, Mutex};

use crate::driver::{DriverSlot, ParkReport};

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;
const PARKED_DRIVER: usize = 3;

#[derive(Clone)]
pub(super) struct Inner(Arc<Shared>);

struct Shared {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
    /// The runtime's driver, shared by all its parkers (none for plain thread parkers).
    driver: Option<std::sync::Arc<DriverSlot>>,
}

/// One turn of the driver. An epoll failure other than EINTR means the runtime can no
/// longer see I/O at all: there is nothing sensible to continue with.
fn run_driver(driver: &mut crate::driver::Driver, timeout: Option<Duration>) -> ParkReport {
    driver
        .park(timeout)
        .unwrap_or_else(|e| panic!("spindle's I/O driver failed in epoll_wait: {e}"))
}

impl Inner {
    pub(super) fn new(driver: Option<std::sync::Arc<DriverSlot>>) -> Inner {
        Inner(Arc::new(Shared {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            cvar: Condvar::new(),
            driver,
        }))
    }

    /// Polls the driver without blocking, if no other thread holds it: lets a busy
    /// worker pick up I/O events and fired timers (tokio's maintenance tick). Returns what
    /// this thread dispatched (nothing if another thread holds the driver).
    pub(super) fn poll_driver(&self) -> ParkReport {
        if let Some(slot) = &self.0.driver
            && let Ok(mut driver) = slot.try_lock()
        {
            return run_driver(&mut driver, Some(Duration::ZERO));
        }
        ParkReport::default()
    }

    /// Parks in the driver (the caller holds it): see the module invariants.
    fn park_in_driver(
        &self,
        driver: &mut crate::driver::Driver,
        timeout: Option<Duration>,
    ) -> ParkReport {
        let s = &*self.0;
        match s
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                s.state.swap(EMPTY, SeqCst);
                return ParkReport::default();
            }
            Err(actual) => panic!("inconsistent park state {actual}"),
        }
        let report = run_driver(driver, timeout);
        // Leave PARKED_DRIVER, consuming a token an unpark may have left meanwhile.
        s.state.swap(EMPTY, SeqCst);
        report
    }

    /// Sleeps until unparked (or `timeout`); returns what this thread dispatched if it
    /// slept in the driver.
    pub(super) fn park(&self, timeout: Option<Duration>) -> ParkReport {
        let s = &*self.0;
        // Fast path: a token is waiting.
        if s.state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return ParkReport::default();
        }
        if let Some(slot) = &s.driver
            && let Ok(mut driver) = slot.try_lock()
        {
            return self.park_in_driver(&mut driver, timeout);
        }
        if timeout == Some(Duration::ZERO) {
            return ParkReport::default();
        }
        self.park_on_condvar(timeout);
        ParkReport::default()
    }

    fn park_on_condvar(&self, timeout: Option<Duration>) {
        let s = &*self.0;
        let mut guard = s.lock.lock().unwrap();
        match s.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Unparked between the fast path and the lock: consume the token.
                s.state.swap(EMPTY, SeqCst);
                return;
            }
            Err(actual) => panic!("inconsistent park state {actual}"),
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            guard = match deadline {
                None => s.cvar.wait(guard).unwrap(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        // Timed out: leave PARKED (a racing unpark may have set NOTIFIED,
                        // in which case the swap consumes its token).
                        s.state.swap(EMPTY, SeqCst);
                        return;
                    }
                    s.cvar.wait_timeout(guard, d - now).unwrap().0
                }
            };
            if s.state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
            // Spurious condvar wake-up: sleep again.
        }
    }

    pub(super) fn unpark(&self) {
        let s = &*self.0;
        match s.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Take the lock so the owner is either before its CAS (and will see
                // NOTIFIED) or inside `wait` (and will get the notification).
                drop(s.lock.lock().unwrap());
                s.cvar.notify_one();
            }
            PARKED_DRIVER => {
                if let Some(slot) = &s.driver {
                    slot.handle().unpark();
                }
            }
            actual => panic!("inconsistent park state {actual}"),
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::thread;

    #[test]
    fn loom_unpark_before_or_during_park_is_not_lost() {
        loom::model(|| {
            let p = Inner::new(None);
            let u = p.clone();
            let t = thread::spawn(move || u.unpark());
            p.park(None); // must return: the one unpark is never lost
            t.join().unwrap();
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn token_is_kept_until_park() {
        let p = Inner::new(None);
        p.unpark();
        p.unpark();
        p.park(None); // returns at once: one token
        p.park(Some(Duration::from_millis(1))); // no token left: times out
    }

    #[test]
    fn unpark_from_another_thread() {
        let p = Inner::new(None);
        let u = p.clone();
        let t = std::thread::spawn(move || u.unpark());
        p.park(None);
        t.join().unwrap();
    }
}
