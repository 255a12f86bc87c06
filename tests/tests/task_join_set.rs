//! JoinSet: results in completion order, abort_all, and drop aborting every task.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use spindle::runtime::Builder;
use spindle::task::JoinSet;

struct CountDrop(Arc<AtomicUsize>);
impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn joins_every_result_then_none() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let mut set = JoinSet::new();
        for i in 0..1000u64 {
            set.spawn(async move {
                if i % 7 == 0 {
                    spindle::task::yield_now().await;
                }
                i
            });
        }
        assert_eq!(set.len(), 1000);
        let mut seen = vec![false; 1000];
        while let Some(result) = set.join_next().await {
            let i = result.unwrap() as usize;
            assert!(!seen[i], "result {i} returned twice");
            seen[i] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert!(set.is_empty());
        assert!(set.join_next().await.is_none());
    });
}

#[test]
fn results_come_in_completion_order() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let (tx, rx) = spindle::sync::oneshot::channel::<()>();
        let mut set = JoinSet::new();
        set.spawn(async move {
            rx.await.unwrap();
            "second"
        });
        set.spawn(async { "first" });
        assert_eq!(set.join_next().await.unwrap().unwrap(), "first");
        tx.send(()).unwrap();
        assert_eq!(set.join_next().await.unwrap().unwrap(), "second");
    });
}

#[test]
fn abort_all_cancels_and_drop_aborts() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    rt.block_on({
        let drops = drops.clone();
        async move {
            let mut set = JoinSet::new();
            for _ in 0..100 {
                let guard = CountDrop(drops.clone());
                set.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                });
            }
            set.abort_all();
            let mut cancelled = 0;
            while let Some(result) = set.join_next().await {
                assert!(result.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 100);
            assert_eq!(
                drops.load(Ordering::SeqCst),
                100,
                "each future dropped once"
            );

            let mut dropped_set = JoinSet::new();
            for _ in 0..50 {
                let guard = CountDrop(drops.clone());
                dropped_set.spawn(async move {
                    let _guard = guard;
                    spindle::time::sleep(Duration::from_secs(3600)).await
                });
            }
            drop(dropped_set);
            // The aborted tasks are dropped by the workers, while the runtime still runs.
            for _ in 0..100_000 {
                if drops.load(Ordering::SeqCst) == 150 {
                    break;
                }
                spindle::task::yield_now().await;
            }
            assert_eq!(
                drops.load(Ordering::SeqCst),
                150,
                "dropping the set aborted its tasks"
            );
        }
    });
}
