//! Starvation on one worker: two tasks that wake each other through the LIFO slot must
//! not starve a third task; a task looping on an always-ready channel, or on always-ready
//! socket I/O, must be preempted by the cooperative budget so that a timer still fires.
//! Each test uses a runtime with a single thread, where only those mechanisms (the LIFO
//! bound and the budget) let the third party run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use spindle::runtime::Builder;
use spindle::sync::{Notify, mpsc};
use spindle_tests::watchdog::Watchdog;

fn one_thread_runtimes() -> Vec<spindle::Runtime> {
    vec![
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
    ]
}

#[test]
fn lifo_ping_pong_does_not_starve_a_third_task() {
    let _w = Watchdog::new("lifo_ping_pong", 20);
    for rt in one_thread_runtimes() {
        let stop = Arc::new(AtomicBool::new(false));
        let bounces = Arc::new(AtomicUsize::new(0));
        let (ping, pong) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let (third_tx, third_rx) = spindle::sync::oneshot::channel();
        let mut third_tx = Some(third_tx);
        let players: Vec<_> = [(ping.clone(), pong.clone()), (pong.clone(), ping.clone())]
            .into_iter()
            .map(|(mine, theirs)| {
                let (stop, bounces) = (stop.clone(), bounces.clone());
                let third_tx = third_tx.take();
                rt.spawn(async move {
                    if let Some(tx) = third_tx {
                        // Spawned on the worker: into the LIFO slot, then pushed to the
                        // local queue when the peer is woken into the slot below. From
                        // there on the two players swap through the slot; only its bound
                        // (MAX_LIFO_POLLS) lets the local queue run.
                        let stop = stop.clone();
                        let _ = tx.send(spindle::spawn(async move { stop.store(true, SeqCst) }));
                    }
                    while !stop.load(SeqCst) {
                        theirs.notify_one(); // wakes the peer into the LIFO slot
                        mine.notified().await;
                        bounces.fetch_add(1, SeqCst);
                    }
                    theirs.notify_one(); // let the peer see `stop` too
                })
            })
            .collect();
        rt.block_on(async {
            third_rx.await.unwrap().await.unwrap();
            for p in players {
                p.await.unwrap();
            }
        });
        assert!(stop.load(SeqCst));
        println!("{} bounces before the third task ran", bounces.load(SeqCst));
    }
}

/// Runs the loop `busy(stop)` builds on each one-thread runtime beside a 20 ms timer that
/// sets `stop`: the timer only fires if the budget preempts the loop. The loop returns
/// its round count, which must be positive (it really ran).
fn timer_fires_beside<F>(test: &'static str, busy: impl Fn(Arc<AtomicBool>) -> F)
where
    F: std::future::Future<Output = u64> + Send + 'static,
{
    let _w = Watchdog::new(test, 20);
    for rt in one_thread_runtimes() {
        let stop = Arc::new(AtomicBool::new(false));
        let rounds = rt.spawn(busy(stop.clone()));
        rt.block_on(async {
            spindle::time::sleep(Duration::from_millis(20)).await;
            stop.store(true, SeqCst);
        });
        assert!(rt.block_on(rounds).unwrap() > 0);
    }
}

#[test]
fn always_ready_channel_loop_is_preempted_so_a_timer_fires() {
    timer_fires_beside("always_ready_channel", |stop| async move {
        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        let mut rounds = 0u64;
        // Never Pending on its own: a message is always there.
        while !stop.load(SeqCst) {
            tx.send(1).unwrap();
            rx.recv().await.unwrap();
            rounds += 1;
        }
        rounds
    });
}

#[test]
fn always_ready_udp_loop_is_preempted_so_a_timer_fires() {
    timer_fires_beside("always_ready_udp", |stop| async move {
        let socket = spindle::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let me = socket.local_addr().unwrap();
        let mut buf = [0u8; 8];
        let mut rounds = 0u64;
        // Send to itself, then receive: the datagram is always already there.
        while !stop.load(SeqCst) {
            socket.send_to(b"ping", me).await.unwrap();
            let (n, _) = socket.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"ping");
            rounds += 1;
        }
        rounds
    });
}
