//! A watchdog for tests that could hang: if the test has not finished within its time
//! limit, the whole process aborts with a message naming the test, so a lost wake-up or
//! a deadlock fails CI in seconds instead of stalling it until an outer timeout.
//!
//! ```no_run
//! let _watchdog = spindle_tests::watchdog::Watchdog::new("my_test", 10);
//! // ... the test; the guard disarms the watchdog when it is dropped ...
//! ```
//!
//! The guard holds the sending half of a channel; the watchdog thread waits on the
//! receiving half with a timeout. Dropping the guard (the test returned, or unwound
//! from a failed assertion) disconnects the channel and the thread exits at once.
//! Abort rather than panic: the hung test's thread cannot be interrupted, and a panic
//! on the watchdog thread would only end that thread.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

/// Aborts the process unless dropped within the time limit.
#[must_use = "the watchdog is disarmed when this guard is dropped"]
pub struct Watchdog {
    _disarm: mpsc::Sender<()>,
}

impl Watchdog {
    /// Arms a watchdog for `test`: the process aborts after `seconds` unless the guard
    /// has been dropped by then.
    pub fn new(test: &'static str, seconds: u64) -> Watchdog {
        let (disarm, armed) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name(format!("watchdog-{test}"))
            .spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) =
                    armed.recv_timeout(Duration::from_secs(seconds))
                {
                    // Straight to the stderr handle: `eprintln!` would go to the test
                    // harness's output capture, which this thread inherits and which the
                    // abort would discard.
                    let _ = writeln!(
                        std::io::stderr(),
                        "watchdog: {test} did not finish within {seconds} s (a hang: lost \
                         wake-up, deadlock or starvation); aborting the test process"
                    );
                    std::process::abort();
                }
            })
            .expect("could not start the watchdog thread");
        Watchdog { _disarm: disarm }
    }
}
