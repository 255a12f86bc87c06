//! Running one test body in a child process: for faults that change process-wide state
//! (the descriptor limit, the SIGPIPE disposition) or that kill the process when the
//! defect is there (SIGPIPE's default action), so the test harness survives to report.
//!
//! The parent re-runs its own test binary, filtered to the one test, with an environment
//! variable naming the scenario; the child sees it and runs the body instead of spawning
//! again. The parent then checks the child's exit status, naming a fatal signal.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

const SCENARIO: &str = "SPINDLE_TESTS_CHILD_SCENARIO";

/// In the parent: runs `test` (its full name, e.g. `"my_test"`) in a child process with
/// `scenario` set, and panics unless the child exits successfully. In the child (the
/// variable equals `scenario`): runs `body` and exits the process.
pub fn run_in_child(test: &str, scenario: &str, body: impl FnOnce()) {
    if std::env::var(SCENARIO).as_deref() == Ok(scenario) {
        body();
        std::process::exit(0);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(SCENARIO, scenario)
        .output()
        .expect("could not start the child test process");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    match out.status.signal() {
        Some(signal) => panic!(
            "child {scenario} was killed by signal {signal}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        ),
        None => assert!(
            out.status.success(),
            "child {scenario} failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            out.status
        ),
    }
}
