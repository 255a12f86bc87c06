//! Spawning and joining tasks on both runtime flavours.

use spindle::Runtime;
use spindle::runtime::{Builder, Handle};
use spindle::task::yield_now;

fn flavours() -> Vec<Runtime> {
    vec![
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ]
}

#[test]
fn spawn_and_join_output() {
    for rt in flavours() {
        let out = rt.block_on(async {
            let hs: Vec<_> = (0..100u64)
                .map(|i| spindle::spawn(async move { i * 2 }))
                .collect();
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(out, 9900);
    }
}

#[test]
fn runtime_spawn_from_outside_and_nested_spawns() {
    for rt in flavours() {
        let h = rt.spawn(async {
            let inner = spindle::spawn(async {
                yield_now().await;
                "inner"
            });
            inner.await.unwrap()
        });
        assert_eq!(rt.block_on(h).unwrap(), "inner");
    }
}

#[test]
fn handle_spawn_from_a_foreign_thread() {
    for rt in flavours() {
        let handle = rt.handle().clone();
        let j = std::thread::spawn(move || handle.spawn(async { 5 }))
            .join()
            .unwrap();
        assert_eq!(rt.block_on(j).unwrap(), 5);
    }
}

#[test]
fn handle_current_inside_and_outside() {
    assert!(Handle::try_current().is_err());
    for rt in flavours() {
        let h = rt.block_on(async { Handle::current() });
        assert_eq!(rt.block_on(h.spawn(async { 3 })).unwrap(), 3);
        let from_task = rt
            .block_on(rt.spawn(async { Handle::try_current().is_ok() }))
            .unwrap();
        assert!(from_task);
    }
}

#[test]
fn handle_block_on_from_another_thread() {
    for rt in flavours() {
        let handle = rt.handle().clone();
        let v = std::thread::scope(|s| {
            s.spawn(|| handle.block_on(async { spindle::spawn(async { 11 }).await.unwrap() }))
                .join()
                .unwrap()
        });
        assert_eq!(v, 11);
    }
}

#[test]
fn dropping_join_handle_detaches_the_task() {
    for rt in flavours() {
        let (tx, rx) = std::sync::mpsc::channel();
        rt.block_on(async move {
            drop(spindle::spawn(async move {
                yield_now().await;
                tx.send(1).unwrap();
            }));
            // The detached task still runs; wait for it through a task.
            spindle::spawn(async {}).await.unwrap();
        });
        // On the current-thread runtime tasks run only inside block_on: give it one more.
        rt.block_on(async {
            for _ in 0..10 {
                yield_now().await;
            }
        });
        assert_eq!(rx.recv().unwrap(), 1);
    }
}

#[test]
fn many_tasks_across_workers() {
    let rt = Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let n = 10_000u64;
    let sum = rt.block_on(async move {
        let hs: Vec<_> = (0..n)
            .map(|i| {
                spindle::spawn(async move {
                    yield_now().await;
                    i
                })
            })
            .collect();
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    assert_eq!(sum, n * (n - 1) / 2);
    let stats = rt.stats();
    assert!(stats.total().polls >= 2 * n, "{stats}");
}

#[test]
fn handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Runtime>();
    send_sync::<Handle>();
    send_sync::<spindle::task::JoinHandle<u64>>();
    send_sync::<spindle::task::AbortHandle>();
    send_sync::<spindle::task::JoinError>();
    send_sync::<spindle::runtime::RuntimeStats>();
}
