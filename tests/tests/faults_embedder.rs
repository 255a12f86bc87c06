//! Faults an embedder meets while configuring and tearing down a runtime or a pool: a
//! start hook that panics, a stack too small to run on, a `spawn` from a `Drop` that
//! runs during shutdown. Each must end in an error (or a cancelled task), never in a
//! runtime that silently runs nothing, an aborted process, or a misleading panic.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use spindle::runtime::Builder;
use spindle_tests::watchdog::Watchdog;

#[test]
fn panicking_start_hook_fails_build_instead_of_a_dead_runtime() {
    let _w = Watchdog::new("panicking_start_hook", 20);
    let (starts, stops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (s1, s2) = (starts.clone(), stops.clone());
    let err = Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(move || {
            // The second worker's hook fails: the first one is already running.
            if s1.fetch_add(1, SeqCst) == 1 {
                panic!("hook boom");
            }
        })
        .on_thread_stop(move || {
            s2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("hook boom"), "{err}");
    assert!(err.to_string().contains("on_thread_start"), "{err}");
    assert_eq!(starts.load(SeqCst), 2);
    // build() returned only after stopping the worker whose hook succeeded.
    assert_eq!(stops.load(SeqCst), 1);
}

#[test]
fn start_hook_that_succeeds_still_runs_on_every_worker() {
    let _w = Watchdog::new("start_hook_succeeds", 20);
    let starts = Arc::new(AtomicUsize::new(0));
    let s = starts.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(3)
        .on_thread_start(move || {
            s.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    // build() waited for the hooks: all three ran before it returned.
    assert_eq!(starts.load(SeqCst), 3);
    assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7);
}
