//! Shutdown drops every pending future exactly once, leaks nothing, and late wakes and
//! spawns are harmless.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use spindle::task::yield_now;
use spindle_tests::{DropCounter, Pending, both_flavours, poll_once};

const TASKS: usize = 10_000;

#[test]
fn drop_runtime_with_10000_pending_tasks_drops_each_once() {
    for rt in both_flavours() {
        let shared = Arc::new(());
        let drops = Arc::new(AtomicUsize::new(0));
        let wakers = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut joins = Vec::new();
        for i in 0..TASKS {
            let (sh, d) = (shared.clone(), DropCounter(drops.clone()));
            let p = Pending::new();
            if i % 100 == 0 {
                wakers.lock().unwrap().push(p.waker.clone());
            }
            let j = rt.spawn(async move {
                let _keep = (sh, d);
                p.await
            });
            if i % 2 == 0 {
                joins.push(j); // half kept, half detached
            }
        }
        // Half of the tasks get polled once (then idle); the rest stay queued.
        rt.block_on(async {
            for _ in 0..3 {
                yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(
            drops.load(SeqCst),
            TASKS,
            "every future dropped exactly once"
        );
        assert_eq!(Arc::strong_count(&shared), 1, "no future leaked");
        // Wakes after shutdown do nothing (the tasks are complete).
        for w in wakers.lock().unwrap().iter() {
            if let Some(w) = w.lock().unwrap().take() {
                w.wake_by_ref();
                w.wake();
            }
        }
        for mut j in joins {
            match poll_once(&mut j) {
                std::task::Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
                other => panic!("expected cancelled, got {other:?}"),
            }
        }
        assert_eq!(drops.load(SeqCst), TASKS);
    }
}

#[test]
fn shutdown_timeout_with_idle_tasks() {
    for rt in both_flavours() {
        let drops = Arc::new(AtomicUsize::new(0));
        for _ in 0..100 {
            let d = DropCounter(drops.clone());
            rt.spawn(async move {
                let _d = d;
                std::future::pending::<()>().await
            });
        }
        rt.shutdown_timeout(Duration::from_secs(5));
        assert_eq!(drops.load(SeqCst), 100);
    }
}

#[test]
fn spawn_after_shutdown_is_cancelled_and_dropped() {
    for rt in both_flavours() {
        let handle = rt.handle().clone();
        drop(rt);
        let drops = Arc::new(AtomicUsize::new(0));
        let d = DropCounter(drops.clone());
        let mut j = handle.spawn(async move {
            let _d = d;
        });
        assert_eq!(drops.load(SeqCst), 1);
        assert!(matches!(poll_once(&mut j), std::task::Poll::Ready(Err(e)) if e.is_cancelled()));
    }
}

#[test]
fn wake_from_another_thread_racing_with_shutdown_is_harmless() {
    for _ in 0..20 {
        for rt in both_flavours() {
            let p = Pending::new();
            let (waker, polls) = (p.waker.clone(), p.polls.clone());
            let shared = Arc::new(());
            let sh = shared.clone();
            rt.spawn(async move {
                let _sh = sh;
                p.await
            });
            rt.block_on(async {
                while polls.load(SeqCst) == 0 {
                    yield_now().await;
                }
            });
            let w = waker.lock().unwrap().take().unwrap();
            let t = std::thread::spawn(move || {
                for _ in 0..100 {
                    w.wake_by_ref();
                }
            });
            drop(rt);
            t.join().unwrap();
            assert_eq!(Arc::strong_count(&shared), 1);
        }
    }
}

#[test]
fn shutdown_timeout_returns_while_a_worker_is_stuck() {
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (unblock_tx, unblock_rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let (dropped_tx, dropped_rx) = std::sync::mpsc::channel::<()>();
    struct OnDrop(std::sync::mpsc::Sender<()>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    rt.spawn(async move {
        let _d = OnDrop(dropped_tx);
        started_tx.send(()).unwrap();
        unblock_rx.recv().unwrap(); // blocks the only worker (misuse, on purpose)
        std::future::pending::<()>().await
    });
    started_rx.recv().unwrap();
    rt.shutdown_timeout(Duration::from_millis(50)); // returns despite the stuck worker
    // Release the worker: after its poll it sees CANCELLED and drops the future.
    unblock_tx.send(()).unwrap();
    dropped_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("future dropped by the worker");
}
