//! `join!`, `try_join!` and `select!` used from outside the crate (so every path in the
//! expansions goes through `$crate`), driving real channels across threads.

mod sync_executor;

use std::future::ready;
use std::thread;

use spindle::sync::{mpsc, oneshot};
use sync_executor::block_on;

#[test]
fn select_loop_serves_jobs_until_shutdown() {
    let (jobs_tx, mut jobs) = mpsc::channel::<u32>(4);
    let (stop_tx, mut stop) = oneshot::channel::<()>();
    let producer = thread::spawn(move || {
        for i in 1..=100 {
            block_on(jobs_tx.send(i)).unwrap();
        }
        // Keep the sender alive until shutdown, so only `stop` can end the loop.
        stop_tx.send(()).unwrap();
        jobs_tx
    });
    let mut sum = 0;
    block_on(async {
        loop {
            spindle::select! {
                biased;
                Some(job) = jobs.recv() => sum += job,
                _ = &mut stop => break,
            }
        }
    });
    drop(producer.join().unwrap());
    // Jobs sent before the stop signal may still be queued: drain them.
    while let Ok(job) = jobs.try_recv() {
        sum += job;
    }
    assert_eq!(sum, 5050);
}

#[test]
fn select_else_when_every_channel_is_closed() {
    let (tx_a, mut a) = mpsc::unbounded_channel::<u8>();
    let (tx_b, mut b) = mpsc::unbounded_channel::<u8>();
    drop((tx_a, tx_b));
    let out = block_on(async {
        spindle::select! {
            Some(v) = a.recv() => v,
            Some(v) = b.recv() => v,
            else => 0,
        }
    });
    assert_eq!(out, 0);
}

#[test]
fn select_is_fair_from_outside_the_crate() {
    let mut wins = [0u32; 3];
    for _ in 0..300 {
        let w = block_on(async {
            spindle::select! {
                v = ready(0) => v,
                v = ready(1) => v,
                v = ready(2) => v,
            }
        });
        wins[w] += 1;
    }
    assert!(
        wins.iter().all(|&w| w > 0),
        "every branch wins sometimes: {wins:?}"
    );
}

#[test]
fn join_collects_replies_from_worker_threads() {
    let (tx1, rx1) = oneshot::channel();
    let (tx2, rx2) = oneshot::channel();
    let t1 = thread::spawn(move || tx1.send("left").unwrap());
    let t2 = thread::spawn(move || tx2.send("right").unwrap());
    let (l, r) = block_on(async { spindle::join!(rx1, rx2) });
    assert_eq!((l.unwrap(), r.unwrap()), ("left", "right"));
    t1.join().unwrap();
    t2.join().unwrap();
}

#[test]
fn try_join_reports_the_failing_reply() {
    let (tx1, rx1) = oneshot::channel::<u8>();
    let (tx2, rx2) = oneshot::channel::<u8>();
    drop(tx2); // this reply never comes
    let t = thread::spawn(move || {
        let _ = tx1.send(1);
    });
    let r = block_on(async { spindle::try_join!(rx1, rx2) });
    assert!(r.is_err(), "the dropped sender's RecvError short-circuits");
    t.join().unwrap();
}
