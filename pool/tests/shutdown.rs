//! Shutdown refuses new jobs, runs every queued job exactly once, and joins the threads.

use spindle_pool::ThreadPool;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;

/// Counts drops of the value a closure captures.
struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn shutdown_drains_every_queued_job() {
    const JOBS: usize = 1000;
    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Arc::new(std::sync::Mutex::new(release_rx));
    // Block both workers so the next jobs stay queued; wait until both are blocked.
    let (started_tx, started_rx) = mpsc::channel::<()>();
    for _ in 0..2 {
        let (rx, started) = (release_rx.clone(), started_tx.clone());
        pool.execute(move || {
            started.send(()).unwrap();
            let _ = rx.lock().unwrap().recv();
        })
        .unwrap();
    }
    started_rx.recv().unwrap();
    started_rx.recv().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..JOBS {
        let ran = ran.clone();
        pool.execute(move || {
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    // Shut down from another thread while the jobs are queued.
    let shutter = {
        let pool = pool.clone();
        thread::spawn(move || pool.shutdown())
    };
    while !pool.is_shut_down() {
        thread::yield_now();
    }
    assert!(pool.stats().queued > 0, "jobs are still queued at shutdown");
    assert!(pool.execute(|| {}).is_err(), "new jobs are refused");
    drop(release_tx); // unblock the two workers (recv fails)
    shutter.join().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), JOBS);
    assert_eq!(pool.stats().jobs_run(), JOBS as u64 + 2);
    assert_eq!(pool.stats().queued, 0);
}

#[test]
fn spawn_and_execute_after_shutdown_are_rejected() {
    let pool = ThreadPool::new(2).unwrap();
    pool.shutdown();
    pool.shutdown(); // idempotent
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCounter(drops.clone());
    let err = pool.execute(move || drop(guard)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "job rejected: the thread pool is shut down"
    );
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the refused closure is dropped once"
    );
    let handle = pool.spawn(|| 1);
    assert!(handle.is_finished(), "a rejected handle is ready at once");
    let err = handle.join().unwrap_err();
    assert!(err.is_rejected());
    assert!(!err.is_panic());
    // A scope still completes its jobs (inline) after shutdown.
    let mut x = 0;
    pool.scope(|s| s.spawn(|| x += 1));
    assert_eq!(x, 1);
    assert_eq!(pool.join(|| 1, || 2), (1, 2));
}

#[test]
fn drop_with_pending_jobs_runs_and_drops_each_closure_once() {
    const JOBS: usize = 200;
    let ran = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));
    let (release_tx, release_rx) = mpsc::channel::<()>();
    {
        let pool = ThreadPool::new(1).unwrap();
        pool.execute(move || {
            let _ = release_rx.recv();
        })
        .unwrap();
        for _ in 0..JOBS {
            let (ran, guard) = (ran.clone(), DropCounter(drops.clone()));
            pool.execute(move || {
                let _guard = guard;
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        assert!(pool.stats().queued >= JOBS - 1);
        release_tx.send(()).unwrap();
        // `pool` dropped here with jobs pending.
    }
    assert_eq!(ran.load(Ordering::SeqCst), JOBS);
    assert_eq!(drops.load(Ordering::SeqCst), JOBS);
}

#[test]
fn shutdown_from_inside_a_worker_does_not_deadlock() {
    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let inner = pool.clone();
    let h = pool.spawn(move || {
        inner.shutdown(); // returns at once on a worker
        inner.is_shut_down()
    });
    assert!(h.join().unwrap());
    pool.shutdown(); // joins from outside
    assert!(pool.execute(|| {}).is_err());
}

#[test]
fn last_pool_reference_dropped_inside_a_job() {
    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let (tx, rx) = mpsc::channel();
    let inner = pool.clone();
    pool.execute(move || {
        let _ = rx.recv(); // wait until the outer reference is gone
        drop(inner); // last reference: Drop runs on a worker and must not deadlock
    })
    .unwrap();
    drop(pool);
    tx.send(()).unwrap();
    // Nothing to join on: this test passes if it returns (the worker detached itself).
}
