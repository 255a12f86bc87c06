//! Fairness: the LIFO slot's bound and the cooperative budget keep a busy pair or an
//! always-ready task from starving their neighbours on a one-worker runtime.

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use spindle::task::yield_now;
use spindle_tests::one_worker;

#[test]
fn ping_pong_pair_cannot_starve_a_third_task() {
    // Two tasks that wake each other pass through the LIFO slot. Without the bound on
    // consecutive LIFO polls they would run inside one `run_task` forever; the third task
    // (the spawner, which yielded and waits behind them) would never run again.
    let rt = one_worker();
    let stop = Arc::new(AtomicBool::new(false));
    let wakers: Arc<Mutex<[Option<Waker>; 2]>> = Arc::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop2, wakers2) = (stop.clone(), wakers.clone());
    rt.spawn(async move {
        let mut pair = Vec::new();
        for me in 0..2 {
            let (stop, wakers) = (stop2.clone(), wakers2.clone());
            pair.push(spindle::spawn(poll_fn(move |cx| {
                if stop.load(SeqCst) {
                    return Poll::Ready(());
                }
                let mut w = wakers.lock().unwrap();
                w[me] = Some(cx.waker().clone());
                if let Some(other) = &w[1 - me] {
                    other.wake_by_ref(); // the woken task lands in the LIFO slot
                }
                Poll::Pending
            })));
        }
        yield_now().await; // the pair starts; this task waits behind it
        stop2.store(true, SeqCst);
        for w in wakers2.lock().unwrap().iter().flatten() {
            w.wake_by_ref();
        }
        for h in pair {
            h.await.unwrap();
        }
        tx.send(()).unwrap();
    });
    // Fail instead of hanging if the third task starves (and leak the runtime then: its
    // worker would never come back to notice the shutdown).
    if rx.recv_timeout(Duration::from_secs(10)).is_err() {
        std::mem::forget(rt);
        panic!("third task starved by the ping-pong pair");
    }
    let stats = rt.stats().total();
    assert!(stats.lifo_pops > 0, "the pair ran through the LIFO slot");
}

#[test]
fn coop_budget_stops_a_task_looping_on_ready_join_handles() {
    let rt = one_worker();
    let n = 1000;
    let result = rt.block_on(rt.spawn(async move {
        let mut handles: Vec<_> = (0..n).map(|_| spindle::spawn(async {})).collect();
        // The spawned tasks run before this one is polled again.
        yield_now().await;
        assert!(handles.iter().all(|h| h.is_finished()));
        let flag = Arc::new(AtomicBool::new(false));
        let f2 = flag.clone();
        let neighbour = spindle::spawn(async move { f2.store(true, SeqCst) });
        let mut awaited = 0;
        // Every await below is immediately ready; only the budget makes this task yield.
        while !flag.load(SeqCst) {
            let h = handles
                .pop()
                .expect("neighbour starved: the budget never forced a yield");
            h.await.unwrap();
            awaited += 1;
        }
        neighbour.await.unwrap();
        awaited
    }));
    let awaited = result.unwrap();
    // 128 units in one poll; the await that found the budget spent completes on the next.
    assert!(
        awaited <= 129,
        "yielded after at most one budget: {awaited}"
    );
}

#[test]
fn injector_is_checked_while_the_local_queue_never_empties() {
    // A chain of tasks, each spawning the next, keeps the worker's own queues busy
    // forever; a task spawned from outside lands in the injector and must still run
    // (the worker looks at the injector every 61 ticks).
    let rt = one_worker();
    let stop = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<u64>();
    fn link(stop: Arc<AtomicBool>, done: std::sync::mpsc::Sender<u64>, n: u64) {
        if stop.load(SeqCst) {
            done.send(n).unwrap();
        } else {
            spindle::spawn(async move { link(stop, done, n + 1) });
        }
    }
    let s2 = stop.clone();
    rt.spawn(async move {
        started_tx.send(()).unwrap();
        link(s2, done_tx, 0);
    });
    started_rx.recv().unwrap();
    let s3 = stop.clone();
    rt.spawn(async move { s3.store(true, SeqCst) });
    let links = done_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a task in the injector was starved by a busy local queue");
    assert!(links > 0);
}
