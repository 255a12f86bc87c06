//! Lost wake-ups at the searching-worker hand-off: work that arrives from outside just
//! as the workers go idle. A worker that finds nothing, stops searching and parks must
//! never miss a task pushed between its last look and its sleep (`idle.rs`, and
//! docs/park-unpark.md for the race step by step). Each round here lets every worker go
//! idle, then injects work from a foreign thread and waits for it; a lost wake-up leaves
//! the round waiting forever and the watchdog fails the test.

use std::sync::mpsc;

use spindle::runtime::Builder;
use spindle_tests::watchdog::Watchdog;

const ROUNDS: usize = 3_000;

#[test]
fn spawn_from_outside_while_workers_go_idle() {
    let _w = Watchdog::new("spawn_from_outside_while_idle", 60);
    for workers in [1, 2, 3] {
        let rt = Builder::new_multi_thread()
            .worker_threads(workers)
            .build()
            .unwrap();
        let (done_tx, done_rx) = mpsc::channel();
        for round in 0..ROUNDS {
            // One task, or a burst that a searching worker should hand on to another.
            let burst = 1 + round % 3;
            for _ in 0..burst {
                let done = done_tx.clone();
                rt.spawn(async move {
                    let _ = done.send(());
                });
            }
            for _ in 0..burst {
                done_rx.recv().unwrap();
            }
        }
    }
}

#[test]
fn wake_from_outside_while_workers_go_idle() {
    let _w = Watchdog::new("wake_from_outside_while_idle", 60);
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..ROUNDS {
        // The task parks on a oneshot; a foreign thread sends once the task is waiting
        // and the workers may be on their way to sleep.
        let (tx, rx) = spindle::sync::oneshot::channel::<u32>();
        let done = done_tx.clone();
        rt.spawn(async move {
            let _ = done.send(rx.await.unwrap());
        });
        std::thread::scope(|s| {
            s.spawn(move || tx.send(7).unwrap());
        });
        assert_eq!(done_rx.recv().unwrap(), 7);
    }
}

#[test]
fn tasks_spawning_tasks_across_idle_periods() {
    let _w = Watchdog::new("spawn_chains_across_idle", 60);
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..ROUNDS / 3 {
        // A task spawns two from a worker (LIFO slot + local queue, one to be stolen),
        // each of which finishes at once; then the runtime goes idle again.
        let done = done_tx.clone();
        rt.spawn(async move {
            for _ in 0..2 {
                let done = done.clone();
                spindle::spawn(async move {
                    let _ = done.send(());
                });
            }
        });
        done_rx.recv().unwrap();
        done_rx.recv().unwrap();
    }
}
