//! Misuse panics with a message that says how to fix it; bad configuration is an error.

use std::panic::{AssertUnwindSafe, catch_unwind};

use spindle::runtime::Builder;
use spindle_tests::{both_flavours, panic_message};

const NESTED: &str = "Cannot start a runtime from within a runtime";

#[test]
fn block_on_inside_block_on_panics_with_message() {
    for rt in both_flavours() {
        let other = Builder::new_current_thread().build().unwrap();
        let p = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async { other.block_on(async {}) })
        }))
        .unwrap_err();
        let msg = panic_message(p);
        assert!(msg.contains(NESTED) && msg.contains(".await"), "{msg}");
    }
}

#[test]
fn block_on_inside_a_task_panics_with_message() {
    for rt in both_flavours() {
        let handle = rt.handle().clone();
        let err = rt
            .block_on(rt.spawn(async move { handle.block_on(async {}) }))
            .unwrap_err();
        assert!(err.is_panic());
        assert!(err.to_string().contains(NESTED), "{err}");
    }
}

#[test]
fn spawn_outside_a_runtime_panics_with_message() {
    let p = catch_unwind(|| drop(spindle::spawn(async {}))).unwrap_err();
    let msg = panic_message(p);
    assert!(
        msg.contains("spindle::spawn called outside a spindle runtime"),
        "{msg}"
    );
    assert!(msg.contains("Handle::spawn"), "{msg}");
}

#[test]
fn zero_threads_is_an_error_not_a_panic() {
    let e = Builder::new_multi_thread()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    let e = Builder::new_multi_thread()
        .blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn builder_hooks_and_thread_names() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let (starts, stops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (s1, s2) = (starts.clone(), stops.clone());
    let rt = Builder::new_multi_thread()
        .worker_threads(3)
        .thread_name("named")
        .on_thread_start(move || {
            s1.fetch_add(1, SeqCst);
        })
        .on_thread_stop(move || {
            s2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let name = rt
        .block_on(rt.spawn(async { std::thread::current().name().unwrap().to_string() }))
        .unwrap();
    assert!(name.starts_with("named-"), "{name}");
    drop(rt);
    assert_eq!((starts.load(SeqCst), stops.load(SeqCst)), (3, 3));
}
