//! `abort` racing completion, 10,000 times on a two-worker runtime: the task completes on
//! one worker while another thread aborts it. Whichever wins, the JoinHandle reports
//! exactly one outcome (the output, or cancelled), the output is dropped exactly once
//! (by the handle that takes it, or by the task when nobody will), and the future is
//! dropped exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use spindle::runtime::Builder;
use spindle_tests::{DropCounter, watchdog::Watchdog};

const ROUNDS: usize = 10_000;

#[test]
fn abort_racing_completion_10k_times() {
    let _w = Watchdog::new("abort_racing_completion", 60);
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let futures_dropped = Arc::new(AtomicUsize::new(0));
    let outputs_dropped = Arc::new(AtomicUsize::new(0));
    let (mut completed, mut cancelled) = (0, 0);
    rt.block_on(async {
        for round in 0..ROUNDS {
            let guard = DropCounter(futures_dropped.clone());
            let output = DropCounter(outputs_dropped.clone());
            let handle = spindle::spawn(async move {
                let _guard = guard;
                if round % 2 == 0 {
                    spindle::task::yield_now().await; // complete on a later poll
                }
                output
            });
            let abort = handle.abort_handle();
            // The abort comes from another task, which may run on the other worker.
            let aborter = spindle::spawn(async move { abort.abort() });
            match handle.await {
                Ok(output) => {
                    completed += 1;
                    drop(output);
                }
                Err(e) => {
                    assert!(e.is_cancelled(), "{e}");
                    cancelled += 1;
                }
            }
            aborter.await.unwrap();
        }
    });
    drop(rt);
    assert_eq!(completed + cancelled, ROUNDS);
    assert_eq!(
        futures_dropped.load(SeqCst),
        ROUNDS,
        "each future dropped once"
    );
    // Each output was made only by a completed poll; those dropped or taken once each.
    assert_eq!(
        outputs_dropped.load(SeqCst),
        ROUNDS,
        "each output (or unrun future's) dropped once"
    );
    println!("completed {completed}, cancelled {cancelled}");
}

#[test]
fn abort_from_a_foreign_thread_racing_completion() {
    let _w = Watchdog::new("abort_from_foreign_thread", 60);
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    for _ in 0..2_000 {
        let guard = DropCounter(dropped.clone());
        let handle = rt.spawn(async move {
            let _guard = guard;
            7u32
        });
        let abort = handle.abort_handle();
        let t = std::thread::spawn(move || abort.abort());
        match rt.block_on(handle) {
            Ok(v) => assert_eq!(v, 7),
            Err(e) => assert!(e.is_cancelled(), "{e}"),
        }
        t.join().unwrap();
    }
    drop(rt);
    assert_eq!(dropped.load(SeqCst), 2_000);
}
