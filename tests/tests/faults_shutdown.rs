//! Shutdown with hostile futures: their `Drop` panics, spawns a task, or wakes another
//! task that is being cancelled at the same time. Dropping the runtime must not panic,
//! must drop every future exactly once, and must complete every JoinHandle (cancelled,
//! or a panic error for the futures whose destructor panicked).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Waker};

use spindle::task::JoinHandle;
use spindle_tests::{DropCounter, watchdog::Watchdog};

#[derive(Clone, Copy)]
enum OnDrop {
    Nothing,
    Panic,
    Spawn,
    WakeSibling,
}

/// Never completes; on drop counts itself, then does its `OnDrop`.
struct Hostile {
    on_drop: OnDrop,
    dropped: Arc<AtomicUsize>,
    /// The waker of the previous task spawned (`WakeSibling` wakes it).
    sibling: Arc<Mutex<Option<Waker>>>,
    mine: Arc<Mutex<Option<Waker>>>,
    spawned: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Future for Hostile {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.mine.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, SeqCst);
        match self.on_drop {
            OnDrop::Nothing => {}
            OnDrop::Panic => panic!("a destructor that panics during shutdown"),
            OnDrop::Spawn => {
                let handle = spindle::spawn(async {});
                self.spawned.lock().unwrap().push(handle);
            }
            OnDrop::WakeSibling => {
                if let Some(w) = self.sibling.lock().unwrap().take() {
                    w.wake();
                }
            }
        }
    }
}

const TASKS: usize = 400;

#[test]
fn shutdown_survives_destructors_that_panic_spawn_and_wake() {
    let _w = Watchdog::new("shutdown_hostile_destructors", 30);
    for rt in spindle_tests::both_flavours() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let spawned = Arc::new(Mutex::new(Vec::new()));
        let (polled_tx, polled_rx) = mpsc::channel();
        let mut sibling = Arc::new(Mutex::new(None));
        let mut handles = Vec::new();
        for i in 0..TASKS {
            let on_drop = [
                OnDrop::Nothing,
                OnDrop::Panic,
                OnDrop::Spawn,
                OnDrop::WakeSibling,
            ][i % 4];
            let mine = Arc::new(Mutex::new(None));
            let fut = Hostile {
                on_drop,
                dropped: dropped.clone(),
                sibling: std::mem::replace(&mut sibling, mine.clone()),
                mine,
                spawned: spawned.clone(),
            };
            let polled = polled_tx.clone();
            handles.push((
                on_drop,
                rt.spawn(async move {
                    let _ = polled.send(());
                    fut.await
                }),
            ));
        }
        // Every task must be parked in its Hostile future before the drop.
        if rt.stats().flavor == "current_thread" {
            // Only block_on runs the tasks here: keep yielding until all were polled.
            rt.block_on(async {
                let mut polled = 0;
                while polled < TASKS {
                    spindle::task::yield_now().await;
                    polled += polled_rx.try_iter().count();
                }
            });
        } else {
            for _ in 0..TASKS {
                polled_rx.recv().unwrap();
            }
        }
        let shutdown = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rt)));
        assert!(shutdown.is_ok(), "dropping the runtime panicked");
        assert_eq!(
            dropped.load(SeqCst),
            TASKS,
            "each future dropped exactly once"
        );

        let other = spindle::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for (on_drop, handle) in handles {
            let err = other.block_on(handle).unwrap_err();
            match on_drop {
                OnDrop::Panic => assert!(err.is_panic(), "{err}"),
                _ => assert!(err.is_cancelled(), "{err}"),
            }
        }
        let spawned = std::mem::take(&mut *spawned.lock().unwrap());
        assert_eq!(spawned.len(), TASKS / 4);
        for handle in spawned {
            assert!(other.block_on(handle).unwrap_err().is_cancelled());
        }
    }
}

#[test]
fn shutdown_drops_queued_never_polled_tasks_once() {
    let _w = Watchdog::new("shutdown_queued_tasks", 30);
    for rt in spindle_tests::both_flavours() {
        let dropped = Arc::new(AtomicUsize::new(0));
        // Spawned from inside a task: they sit in the LIFO slot and local queue, never
        // polled, while the spawner blocks the worker until the runtime is dropped.
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (spawned_tx, spawned_rx) = mpsc::channel::<()>();
        let d = dropped.clone();
        rt.spawn(async move {
            for _ in 0..1000 {
                let guard = DropCounter(d.clone());
                spindle::spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                });
            }
            let _ = spawned_tx.send(());
            let _ = go_rx.recv(); // blocks its worker until the drop below begins
        });
        if rt.stats().flavor == "current_thread" {
            // Only block_on runs tasks: run until the spawner has spawned.
            drop(go_tx);
            rt.block_on(async {
                while spawned_rx.try_recv().is_err() {
                    spindle::task::yield_now().await;
                }
            });
            drop(rt);
        } else {
            spawned_rx.recv().unwrap();
            let dropper = std::thread::spawn(move || drop(rt));
            // Let the blocked task return once shutdown has been asked for; shutdown
            // then waits for the worker and cancels everything still queued.
            drop(go_tx);
            dropper.join().unwrap();
        }
        assert_eq!(dropped.load(SeqCst), 1000);
    }
}
