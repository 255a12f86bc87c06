//! Things that outlive their runtime: a waker kept by a foreign thread and used after
//! the runtime is gone, and a JoinHandle awaited on another runtime after its own was
//! dropped (finished, cancelled, or dropped while the handle was being awaited).

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, mpsc};
use std::task::Waker;

use spindle::runtime::Builder;
use spindle_tests::{DropCounter, Pending, watchdog::Watchdog};

#[test]
fn foreign_thread_wakes_after_the_runtime_is_gone() {
    let _w = Watchdog::new("foreign_waker_after_runtime", 20);
    for rt in spindle_tests::both_flavours() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let mut wakers: Vec<Arc<std::sync::Mutex<Option<Waker>>>> = Vec::new();
        let mut polls = Vec::new();
        for _ in 0..100 {
            let pending = Pending::new();
            wakers.push(pending.waker.clone());
            polls.push(pending.polls.clone());
            let guard = DropCounter(dropped.clone());
            rt.spawn(async move {
                let _guard = guard;
                pending.await
            });
        }
        rt.block_on(async {
            while polls.iter().any(|p| p.load(SeqCst) == 0) {
                spindle::task::yield_now().await;
            }
        });
        let wakers: Vec<Waker> = wakers
            .iter()
            .map(|w| w.lock().unwrap().take().unwrap())
            .collect();
        // The foreign thread holds the wakers; the runtime goes away meanwhile.
        let (gone_tx, gone_rx) = mpsc::channel::<()>();
        let foreign = std::thread::spawn(move || {
            gone_rx.recv().unwrap();
            for (i, w) in wakers.into_iter().enumerate() {
                match i % 4 {
                    0 => w.wake(),
                    1 => w.wake_by_ref(),
                    2 => {
                        let c = w.clone();
                        drop(w);
                        c.wake();
                    }
                    _ => drop(w),
                }
            }
        });
        drop(rt);
        assert_eq!(
            dropped.load(SeqCst),
            100,
            "every future dropped by the shutdown"
        );
        gone_tx.send(()).unwrap();
        foreign
            .join()
            .expect("waking a dead runtime's task must not panic");
        // Nothing was polled after shutdown.
        assert!(polls.iter().all(|p| p.load(SeqCst) == 1));
    }
}

#[test]
fn join_handle_awaited_after_its_runtime_was_dropped() {
    let _w = Watchdog::new("join_handle_after_runtime", 20);
    for rt in spindle_tests::both_flavours() {
        let done = rt.spawn(async { 41 + 1 });
        let pending = rt.spawn(std::future::pending::<u32>());
        // Make sure `done` finished while its runtime was alive.
        rt.block_on(async {
            while !done.is_finished() {
                spindle::task::yield_now().await;
            }
        });
        drop(rt);
        let other = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        assert_eq!(other.block_on(done).unwrap(), 42);
        assert!(other.block_on(pending).unwrap_err().is_cancelled());
    }
}

#[test]
fn join_handle_awaited_on_another_runtime_while_its_own_shuts_down() {
    let _w = Watchdog::new("join_handle_during_shutdown", 20);
    for _ in 0..50 {
        let first = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let second = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let handle = first.spawn(std::future::pending::<()>());
        let (waiting_tx, waiting_rx) = mpsc::channel();
        // A task on the second runtime awaits the first runtime's task...
        let awaiting = second.spawn(async move {
            let _ = waiting_tx.send(());
            handle.await
        });
        waiting_rx.recv().unwrap();
        // ...when the first runtime is dropped: its shutdown must wake the awaiter.
        drop(first);
        let result = second.block_on(awaiting).unwrap();
        assert!(result.unwrap_err().is_cancelled());
    }
}
