//! Pool faults: dropped with a deep queue (every job accounted for exactly once), and a
//! panicking job inside a scope (the scope reports it, the other jobs still run, and the
//! pool's threads survive to run more).

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, mpsc};

use spindle_pool::ThreadPool;
use spindle_tests::{DropCounter, panic_message, watchdog::Watchdog};

const JOBS: usize = 100_000;

#[test]
fn pool_dropped_with_100k_queued_jobs_runs_and_drops_each_exactly_once() {
    let _w = Watchdog::new("pool_dropped_with_queued_jobs", 30);
    let pool = ThreadPool::new(2).unwrap();
    // Hold both workers until every job is queued, so the queue really is 100,000 deep
    // when the pool is dropped.
    let (release, gate) = mpsc::channel::<()>();
    let gate = Arc::new(std::sync::Mutex::new(gate));
    let started = Arc::new(Barrier::new(3));
    for _ in 0..2 {
        let (gate, started) = (gate.clone(), started.clone());
        pool.execute(move || {
            started.wait();
            let _ = gate.lock().unwrap().recv();
        })
        .unwrap();
    }
    started.wait();
    let (ran, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut handles = Vec::new();
    for i in 0..JOBS {
        let (ran, guard) = (ran.clone(), DropCounter(dropped.clone()));
        if i % 2 == 0 {
            pool.execute(move || {
                let _guard = guard;
                ran.fetch_add(1, SeqCst);
            })
            .unwrap();
        } else {
            // Spawned jobs whose handles are dropped unjoined half the time.
            let handle = pool.spawn(move || {
                let _guard = guard;
                ran.fetch_add(1, SeqCst)
            });
            if i % 4 == 1 {
                handles.push(handle);
            }
        }
    }
    assert_eq!(ran.load(SeqCst), 0, "the workers were held");
    drop(release); // both gate jobs return; the drop below drains the queue
    drop(pool);
    assert_eq!(ran.load(SeqCst), JOBS);
    assert_eq!(dropped.load(SeqCst), JOBS);
    // Handles kept past the pool's drop still give their job's result.
    for h in handles {
        assert!(h.join().unwrap() < JOBS);
    }
}

#[test]
fn panicking_job_in_a_scope_is_reported_and_the_threads_survive() {
    let _w = Watchdog::new("panicking_job_in_scope", 20);
    let pool = ThreadPool::new(2).unwrap();
    let ran = AtomicUsize::new(0);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.scope(|s| {
            for i in 0..100 {
                let ran = &ran;
                s.spawn(move || {
                    if i == 37 {
                        panic!("job 37 failed");
                    }
                    ran.fetch_add(1, SeqCst);
                });
            }
        })
    }))
    .unwrap_err();
    assert_eq!(panic_message(caught), "job 37 failed");
    assert_eq!(
        ran.load(SeqCst),
        99,
        "every other job ran before scope returned"
    );
    // Both threads are still there: a scope that needs both at once completes.
    let both = Barrier::new(2);
    pool.scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                both.wait();
            });
        }
    });
    assert_eq!(pool.stats().workers.len(), 2);
    assert_eq!(pool.spawn(|| 5).join().unwrap(), 5);
}
