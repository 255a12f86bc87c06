//! A thread that waits inside the pool runs other jobs meanwhile, so nested parallelism
//! on a small fixed pool never deadlocks.

use spindle_pool::ThreadPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Each level spawns two jobs, each of which opens a nested scope, down to `depth`; the
/// leaves also spawn through the *outer* scope handle `s` (jobs capture `s`).
fn nested_scopes(pool: &ThreadPool, depth: usize, leaves: &AtomicUsize) {
    pool.scope(|s| {
        for _ in 0..2 {
            s.spawn(move || {
                if depth == 0 {
                    s.spawn(move || {
                        leaves.fetch_add(1, Ordering::SeqCst);
                    });
                } else {
                    nested_scopes(pool, depth - 1, leaves);
                }
            });
        }
    });
}

#[test]
fn nested_scopes_depth_4_on_pool_of_1_and_2() {
    for threads in [1, 2] {
        let pool = ThreadPool::new(threads).unwrap();
        let leaves = AtomicUsize::new(0);
        nested_scopes(&pool, 3, &leaves);
        assert_eq!(leaves.load(Ordering::SeqCst), 16, "threads = {threads}");
        // Also from inside a worker (the scope's owner helps instead of blocking).
        let leaves = AtomicUsize::new(0);
        pool.scope(|s| s.spawn(|| nested_scopes(&pool, 3, &leaves)));
        assert_eq!(leaves.load(Ordering::SeqCst), 16, "threads = {threads}");
    }
}

fn fib(pool: &ThreadPool, n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = pool.join(|| fib(pool, n - 1), || fib(pool, n - 2));
    a + b
}

#[test]
fn join_nesting_on_pool_of_1() {
    let pool = ThreadPool::new(1).unwrap();
    assert_eq!(fib(&pool, 15), 610);
    // From inside the worker too.
    let mut inside = 0;
    pool.scope(|s| s.spawn(|| inside = fib(&pool, 12)));
    assert_eq!(inside, 144);
}

#[test]
fn join_nesting_on_pool_of_2_records_worker_index() {
    let pool = ThreadPool::new(2).unwrap();
    assert_eq!(fib(&pool, 18), 2584);
    let (a, b) = pool.join(ThreadPool::current_thread_index, || {
        ThreadPool::current_thread_index()
    });
    // A join from outside the pool runs on a worker (like rayon's): `a` ran there.
    assert!(matches!(a, Some(i) if i < 2), "a ran on {a:?}");
    assert!(b.is_none() || b.unwrap() < 2);
}

#[test]
fn job_handle_join_inside_worker_of_pool_of_1_helps() {
    let pool = Arc::new(ThreadPool::new(1).unwrap());
    let inner_pool = pool.clone();
    let outer = pool.spawn(move || {
        // The only worker waits for a job queued behind it: it must run it itself.
        let depth2 = inner_pool.clone();
        let h = inner_pool.spawn(move || depth2.spawn(|| 21).join().unwrap() * 2);
        let v = h.join().unwrap();
        assert_eq!(ThreadPool::current_thread_index(), Some(0));
        v
    });
    assert_eq!(outer.join().unwrap(), 42);
    assert_eq!(ThreadPool::current_thread_index(), None);
}

/// Everything nested in everything, on more threads than cores (so workers are preempted
/// mid-protocol), a bounded number of rounds.
#[test]
fn mixed_nesting_on_an_oversubscribed_pool() {
    let pool = Arc::new(ThreadPool::new(4).unwrap());
    for round in 0..30u64 {
        let total = AtomicUsize::new(0);
        pool.scope(|s| {
            for i in 0..4u64 {
                let (pool, total) = (&pool, &total);
                s.spawn(move || {
                    let (f, sums) = pool.join(
                        || fib(pool, 12 + i % 3),
                        || pool.map(&[1u64, 2, 3, 4, 5, 6, 7, 8], |x| x * round),
                    );
                    let inner = pool.clone();
                    let h = pool.spawn(move || inner.join(|| 1, || 2));
                    assert_eq!(h.join().unwrap(), (1, 2));
                    assert_eq!(sums.iter().sum::<u64>(), 36 * round);
                    total.fetch_add(f as usize, Ordering::SeqCst);
                });
            }
        });
        // fib(12) + fib(13) + fib(14) + fib(12)
        assert_eq!(total.load(Ordering::SeqCst), 144 + 233 + 377 + 144);
    }
}
