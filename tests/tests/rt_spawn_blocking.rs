//! `spawn_blocking`: closures run on the blocking pool, not on a worker.

use spindle::runtime::Builder;
use spindle_tests::{both_flavours, panic_message};

#[test]
fn spawn_blocking_round_trip_on_a_pool_thread() {
    for rt in both_flavours() {
        let (v, name) = rt.block_on(async {
            spindle::task::spawn_blocking(|| {
                (21 * 2, std::thread::current().name().map(str::to_owned))
            })
            .await
            .unwrap()
        });
        assert_eq!(v, 42);
        assert!(name.unwrap().starts_with("spindle-blocking-"));
        // From outside the runtime through the runtime and a handle too.
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 1)).unwrap(), 1);
        assert_eq!(rt.block_on(rt.handle().spawn_blocking(|| 2)).unwrap(), 2);
    }
}

#[test]
fn spawn_blocking_panic_is_a_join_error() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .blocking_threads(1)
        .build()
        .unwrap();
    let err = rt
        .block_on(rt.spawn_blocking(|| panic!("blocking boom")))
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(panic_message(err.into_panic()), "blocking boom");
    // The pool's thread survives.
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 3)).unwrap(), 3);
}

#[test]
fn blocking_work_does_not_stall_the_worker() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .blocking_threads(2)
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let blocked = rt.spawn_blocking(move || rx.recv().unwrap());
    // The single worker still runs tasks while the blocking job waits.
    assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7);
    tx.send(()).unwrap();
    rt.block_on(blocked).unwrap();
}

#[test]
fn spawn_blocking_outside_a_runtime_panics_with_message() {
    let p = std::panic::catch_unwind(|| drop(spindle::task::spawn_blocking(|| ()))).unwrap_err();
    assert!(panic_message(p).contains("Handle::spawn_blocking"));
}

#[test]
fn blocking_closure_sees_the_runtime_handle() {
    for rt in both_flavours() {
        let v = rt.block_on(async {
            spindle::task::spawn_blocking(|| {
                // Not a runtime thread: spawning and even blocking on the handle is fine.
                let h = spindle::runtime::Handle::current();
                h.block_on(spindle::spawn(async { 9 })).unwrap()
            })
            .await
            .unwrap()
        });
        assert_eq!(v, 9);
    }
}

#[test]
fn abort_before_the_pool_starts_it_cancels_without_running() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .blocking_threads(1)
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let first = rt.spawn_blocking(move || rx.recv().unwrap()); // occupies the only thread
    let ran = Arc::new(AtomicBool::new(false));
    let r2 = ran.clone();
    let second = rt.spawn_blocking(move || r2.store(true, SeqCst));
    second.abort();
    tx.send(()).unwrap();
    rt.block_on(first).unwrap();
    assert!(rt.block_on(second).unwrap_err().is_cancelled());
    assert!(!ran.load(SeqCst), "an aborted blocking task did not start");
}

#[test]
fn spawn_blocking_after_shutdown_is_cancelled() {
    for rt in both_flavours() {
        let handle = rt.handle().clone();
        drop(rt);
        let mut j = handle.spawn_blocking(|| 1);
        assert!(
            matches!(spindle_tests::poll_once(&mut j), std::task::Poll::Ready(Err(e)) if e.is_cancelled())
        );
    }
}

/// The runtime builds its blocking pool itself, without `queue_capacity` (an embedder
/// cannot hand in a bounded spindle-pool `ThreadPool`), so `spawn_blocking` never waits
/// for room: with the only blocking thread held, a task on the only worker still queues
/// 10,000 blocking tasks and goes on running. Were the pool bounded and `spawn` blocking,
/// the worker would hang here (the watchdog would abort the test).
#[test]
fn spawn_blocking_never_blocks_the_worker_on_a_full_queue() {
    let _watchdog = spindle_tests::watchdog::Watchdog::new("spawn_blocking_never_blocks", 20);
    for rt in [
        Builder::new_current_thread()
            .blocking_threads(1)
            .build()
            .unwrap(),
        Builder::new_multi_thread()
            .worker_threads(1)
            .blocking_threads(1)
            .build()
            .unwrap(),
    ] {
        let (gate_tx, gate_rx) = std::sync::mpsc::channel::<()>();
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let total = rt.block_on({
            let ran = ran.clone();
            async move {
                let held = spindle::task::spawn_blocking(move || gate_rx.recv().unwrap());
                let handles: Vec<_> = (0..10_000)
                    .map(|_| {
                        let ran = ran.clone();
                        spindle::task::spawn_blocking(move || {
                            ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        })
                    })
                    .collect();
                // Still on the worker, which was never blocked: release the pool.
                gate_tx.send(()).unwrap();
                held.await.unwrap();
                for h in handles {
                    h.await.unwrap();
                }
                ran.load(std::sync::atomic::Ordering::Relaxed)
            }
        });
        assert_eq!(total, 10_000);
    }
}
