//! Panics never kill a worker: they reach the `JobHandle`, the scope, or the panic
//! handler, and `stats()` counts them.

use spindle_pool::ThreadPool;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

#[test]
fn panic_reaches_job_handle_and_worker_survives() {
    let pool = ThreadPool::new(1).unwrap();
    let err = pool
        .spawn(|| -> u32 { panic!("boom in spawn") })
        .join()
        .unwrap_err();
    assert!(err.is_panic());
    assert!(!err.is_rejected());
    assert!(err.to_string().contains("boom in spawn"), "{err}");
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in spawn"));
    // The single worker is still alive and runs the next job.
    assert_eq!(pool.spawn(|| 5).join().unwrap(), 5);
    // Counters are bumped just after a job's result is handed over; after shutdown
    // (threads joined) the snapshot is final.
    pool.shutdown();
    let stats = pool.stats();
    assert_eq!(stats.panics(), 1);
    assert_eq!(stats.jobs_run(), 2);
}

#[test]
fn panic_in_scope_job_is_resumed_after_all_jobs_ended() {
    let pool = ThreadPool::new(2).unwrap();
    let finished = AtomicUsize::new(0);
    let result = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            s.spawn(|| panic!("boom in scope"));
            for _ in 0..10 {
                s.spawn(|| {
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            }
        })
    }));
    let payload = result.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in scope"));
    // Every other job ran to the end before the panic was re-raised.
    assert_eq!(finished.load(Ordering::SeqCst), 10);
    // Workers survive.
    assert_eq!(pool.map(&[1, 2, 3], |x| x + 1), [2, 3, 4]);
    pool.shutdown();
    assert_eq!(pool.stats().panics(), 1);
}

#[test]
fn scope_body_panic_waits_for_jobs_then_resumes() {
    let pool = ThreadPool::new(2).unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let done = AtomicUsize::new(0);
    let done_ref = &done;
    let result = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            s.spawn(move || {
                rx.recv().unwrap();
                done_ref.fetch_add(1, Ordering::SeqCst);
            });
            tx.send(()).unwrap();
            panic!("body panics");
        })
    }));
    assert_eq!(
        result.unwrap_err().downcast_ref::<&str>(),
        Some(&"body panics")
    );
    assert_eq!(done.load(Ordering::SeqCst), 1);
}

#[test]
fn execute_panic_reaches_custom_handler() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen2 = seen.clone();
    let pool = ThreadPool::builder()
        .threads(1)
        .panic_handler(move |payload| {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .unwrap_or_default();
            seen2.lock().unwrap().push(msg);
        })
        .build()
        .unwrap();
    pool.execute(|| panic!("boom in execute")).unwrap();
    // A later job on the same single worker proves it survived; joining it also orders
    // the handler call (which ran before it on that worker) before our check.
    assert_eq!(pool.spawn(|| 1).join().unwrap(), 1);
    assert_eq!(*seen.lock().unwrap(), ["boom in execute"]);
    pool.shutdown();
    assert_eq!(pool.stats().panics(), 1);
}

#[test]
fn join_panic_in_b_is_resumed_after_a_finished() {
    let pool = ThreadPool::new(2).unwrap();
    let a_ran = AtomicUsize::new(0);
    let result = catch_unwind(AssertUnwindSafe(|| {
        pool.join(
            || {
                a_ran.fetch_add(1, Ordering::SeqCst);
            },
            || panic!("b panics"),
        )
    }));
    assert_eq!(
        result.unwrap_err().downcast_ref::<&str>(),
        Some(&"b panics")
    );
    assert_eq!(a_ran.load(Ordering::SeqCst), 1);
}

#[test]
fn panic_in_map_is_resumed_and_pool_survives() {
    let pool = ThreadPool::new(2).unwrap();
    let items: Vec<u32> = (0..1000).collect();
    let result = catch_unwind(AssertUnwindSafe(|| {
        pool.map(&items, |x| {
            if *x == 500 {
                panic!("boom in map");
            }
            x.to_string()
        })
    }));
    assert_eq!(
        result.unwrap_err().downcast_ref::<&str>(),
        Some(&"boom in map")
    );
    let out = pool.map(&items, |x| x.to_string());
    assert_eq!(out[999], "999");
}
