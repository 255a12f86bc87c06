//! A 100,000-deep wake chain: each task is woken from inside the poll of the one before
//! it (a oneshot send, or the completion its JoinHandle awaits). A scheduler that ran a
//! woken task inline, or a drop that recursed down the chain, would overflow the stack;
//! spindle queues every wake, so the chain unrolls iteratively. Also a chain of 100,000
//! pending tasks, each owning the JoinHandle of the next, dropped by the shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use spindle::sync::oneshot;
use spindle_tests::{DropCounter, watchdog::Watchdog};

const DEPTH: usize = 100_000;

#[test]
fn oneshot_chain_100k_deep() {
    let _w = Watchdog::new("oneshot_chain_100k", 60);
    for rt in spindle_tests::both_flavours() {
        let total = rt.block_on(async {
            let (first_tx, mut rx) = oneshot::channel::<usize>();
            for _ in 0..DEPTH {
                let (tx, next_rx) = oneshot::channel::<usize>();
                // Each link waits for its input, then wakes the next link from its poll.
                spindle::spawn(async move {
                    let n = rx.await.unwrap();
                    let _ = tx.send(n + 1);
                });
                rx = next_rx;
            }
            first_tx.send(0).unwrap();
            rx.await.unwrap()
        });
        assert_eq!(total, DEPTH);
    }
}

#[test]
fn join_handle_chain_100k_deep() {
    let _w = Watchdog::new("join_handle_chain_100k", 60);
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (go_tx, go_rx) = oneshot::channel::<()>();
    // Task 0 waits for the go; task i awaits task i-1's JoinHandle: the completion of
    // each wakes the next.
    let mut prev = rt.spawn(async move {
        go_rx.await.unwrap();
        0usize
    });
    for _ in 0..DEPTH {
        let before = prev;
        prev = rt.spawn(async move { before.await.unwrap() + 1 });
    }
    go_tx.send(()).unwrap();
    assert_eq!(rt.block_on(prev).unwrap(), DEPTH);
}

#[test]
fn shutdown_drops_a_100k_chain_of_handles_without_recursing() {
    let _w = Watchdog::new("drop_chain_100k", 60);
    for rt in spindle_tests::both_flavours() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let mut prev: Option<spindle::task::JoinHandle<()>> = None;
        for _ in 0..DEPTH {
            let guard = DropCounter(dropped.clone());
            let next = prev.take();
            prev = Some(rt.spawn(async move {
                let _guard = guard;
                let _next = next; // owns the handle of the task spawned before it
                std::future::pending::<()>().await
            }));
        }
        drop(prev);
        drop(rt);
        assert_eq!(dropped.load(SeqCst), DEPTH);
    }
}
