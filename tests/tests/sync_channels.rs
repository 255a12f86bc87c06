//! Channel and lock scenarios across threads, through the public API only.

mod sync_executor;

use std::sync::Arc;
use std::thread;

use spindle::sync::{Barrier, Mutex, Notify, Semaphore, broadcast, mpsc, oneshot, watch};
use sync_executor::block_on;

/// The classic actor: requests carry a oneshot reply slot.
#[test]
fn request_reply_server() {
    let (tx, mut rx) = mpsc::channel::<(u64, oneshot::Sender<u64>)>(8);
    let server = thread::spawn(move || {
        block_on(async {
            while let Some((n, reply)) = rx.recv().await {
                let _ = reply.send(n * n);
            }
        })
    });
    let clients: Vec<_> = (0..4u64)
        .map(|c| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..50 {
                    let n = c * 100 + i;
                    let (reply_tx, reply_rx) = oneshot::channel();
                    block_on(tx.send((n, reply_tx))).unwrap();
                    assert_eq!(block_on(reply_rx), Ok(n * n));
                }
            })
        })
        .collect();
    drop(tx);
    for c in clients {
        c.join().unwrap();
    }
    server.join().unwrap(); // ends because every sender is gone
}

#[test]
fn broadcast_and_watch_fan_out() {
    let (events, _) = broadcast::channel::<u32>(128);
    let (config, config_rx) = watch::channel(0u32);
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let mut events = events.subscribe();
            let mut config = config_rx.clone();
            thread::spawn(move || {
                let mut seen = 0;
                while let Ok(e) = block_on(events.recv()) {
                    seen += e;
                }
                block_on(config.changed()).unwrap();
                (seen, *config.borrow_and_update())
            })
        })
        .collect();
    for e in 1..=100 {
        events.send(e).unwrap();
    }
    drop(events);
    config.send(42).unwrap();
    for w in workers {
        assert_eq!(w.join().unwrap(), (5050, 42));
    }
}

#[test]
fn locks_semaphore_notify_and_barrier_together() {
    const THREADS: usize = 4;
    let total = Arc::new(Mutex::new(0usize));
    let gate = Arc::new(Semaphore::new(2));
    let barrier = Arc::new(Barrier::new(THREADS));
    let done = Arc::new(Notify::new());
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (total, gate, barrier, done) =
                (total.clone(), gate.clone(), barrier.clone(), done.clone());
            thread::spawn(move || {
                block_on(async {
                    for _ in 0..100 {
                        let _permit = gate.acquire().await.unwrap();
                        *total.lock().await += 1;
                    }
                    if barrier.wait().await.is_leader() {
                        done.notify_one();
                    }
                })
            })
        })
        .collect();
    block_on(done.notified());
    assert_eq!(*block_on(total.lock()), THREADS * 100);
    assert_eq!(gate.available_permits(), 2);
    for t in threads {
        t.join().unwrap();
    }
}
