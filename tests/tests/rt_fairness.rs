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
    let rt = one_worker();
    let stop = Arc::new(AtomicBool::new(false));
    let wakers: Arc<Mutex<[Option<Waker>; 2]>> = Arc::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let all = rt.block_on(async {
        // Spawned from a task so all three start in this worker's queues.
        spindle::spawn({
            let (stop, wakers) = (stop.clone(), wakers.clone());
            async move {
                let mut hs = Vec::new();
                for me in 0..2 {
                    let (stop, wakers) = (stop.clone(), wakers.clone());
                    // Each poll wakes the other task: the woken task lands in the LIFO slot.
                    hs.push(spindle::spawn(poll_fn(move |cx| {
                        if stop.load(SeqCst) {
                            return Poll::Ready(());
                        }
                        let mut w = wakers.lock().unwrap();
                        w[me] = Some(cx.waker().clone());
                        if let Some(other) = &w[1 - me] {
                            other.wake_by_ref();
                        }
                        Poll::Pending
                    })));
                }
                let stop2 = stop.clone();
                let wakers2 = wakers.clone();
                hs.push(spindle::spawn(async move {
                    stop2.store(true, SeqCst);
                    for w in wakers2.lock().unwrap().iter().flatten() {
                        w.wake_by_ref();
                    }
                    tx.send(()).unwrap();
                }));
                hs
            }
        })
        .await
        .unwrap()
    });
    // Without the LIFO bound the third task never runs; fail instead of hanging.
    rx.recv_timeout(Duration::from_secs(10))
        .expect("third task starved by the ping-pong pair");
    for h in all {
        rt.block_on(h).unwrap();
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
