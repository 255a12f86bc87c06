//! Running one test body in a child process: for faults that change process-wide state
//! (the descriptor limit, the SIGPIPE disposition) or that kill the process when the
//! defect is there (SIGPIPE's default action), so the test harness survives to report.
//!
//! The parent re-runs its own test binary, filtered to the one test, with an environment
//! variable naming the scenario; the child sees it and runs the body instead of spawning
//! again. The parent then checks the child's exit status, naming a fatal signal.

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};

const SCENARIO: &str = "SPINDLE_TESTS_CHILD_SCENARIO";

/// True in the child process started for `scenario`.
pub fn is_child(scenario: &str) -> bool {
    std::env::var(SCENARIO).as_deref() == Ok(scenario)
}

/// Starts the child for `scenario`: this test binary, filtered to `test` (its full
/// name), with piped stdout and stderr.
pub fn spawn_child(test: &str, scenario: &str) -> Child {
    let exe = std::env::current_exe().expect("the test binary's path");
    Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(SCENARIO, scenario)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("could not start the child test process")
}

/// Waits for `child` and panics unless it exited successfully, naming a fatal signal.
pub fn expect_success(child: Child, scenario: &str) {
    let out = child.wait_with_output().expect("waiting for the child");
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

/// In the parent: runs `test` in a child process with `scenario` set and panics unless
/// the child exits successfully. In the child: runs `body` and exits the process.
pub fn run_in_child(test: &str, scenario: &str, body: impl FnOnce()) {
    if is_child(scenario) {
        body();
        std::process::exit(0);
    }
    expect_success(spawn_child(test, scenario), scenario);
}
