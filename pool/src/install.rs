//! `ThreadPool::install(op)`: run `op` on a worker of the pool and return its result
//! (rayon's `ThreadPool::install`).
//!
//! Why it exists: many operations are cheap *on a worker* and costly from any other
//! thread. A `join` on a worker pushes `b` on its own deque and usually pops it back
//! (`join.rs`); from outside, every `join` of a recursion would need its own trip through
//! the injector, an admission and a hand-back, while the caller — a third thread on a
//! pool of two — ran every `a` half itself. So an outside caller first moves the *whole*
//! operation into the pool, once, and blocks; every nested call then takes the cheap
//! worker path. This is rayon-core's `Registry::in_worker_cold`.
//!
//! Algorithm:
//! - On a worker of this pool: call `op` right here (it already is "in the pool").
//! - Elsewhere (a plain thread, or a worker of *another* pool): erase `op`'s lifetime
//!   into one job (`erase.rs`, whose latch and SAFETY argument cover it), admit it and
//!   push it into the injector, then wait for the latch (`wait.rs`): a plain thread
//!   parks — no spinning — and a worker of another pool keeps running its own pool's
//!   jobs meanwhile (rayon's `in_worker_cross`), so pools may nest in either direction.
//!   The job stores `op`'s result, or its panic, in a slot on the caller's stack; once
//!   the latch is released the caller returns the result or re-raises the panic.
//! - The pool is shut down (admission refused): run `op` on the caller, as a scope runs
//!   its jobs inline then. An installed operation still finishes, just without the pool.
//!
//! States of the one job: queued → running on a worker → done (latch at zero, result in
//! the slot). Invariant: the caller reads the slot only after the latch reached zero
//! (Acquire), which happens after the job wrote it (Release in `CountLatch::leave`).

use crate::job::Outcome;
use crate::registry::Registry;
use crate::scope::ScopeContext;
use crate::worker::WorkerThread;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex};

/// The body of `ThreadPool::install`.
pub(crate) fn install<OP, R>(registry: &Arc<Registry>, op: OP) -> R
where
    OP: FnOnce() -> R + Send,
    R: Send,
{
    if WorkerThread::current_of(registry).is_some() {
        return op();
    }
    install_cold(registry, op)
}

/// `install` from a thread that is not a worker of `registry`'s pool: one job, one wait.
pub(crate) fn install_cold<OP, R>(registry: &Registry, op: OP) -> R
where
    OP: FnOnce() -> R + Send,
    R: Send,
{
    // The result slot lives on the heap, shared by the job and the caller, rather than
    // on the caller's stack behind a `&mut` captured by the job: the job's `&mut` would
    // stay protected (Tree Borrows) until the job's own call returns, which is *after*
    // it released the latch, so the caller's read would race with a live `&mut` — Miri
    // reports exactly that. One `Arc` per `install` is cheap next to the trip into the
    // pool.
    let result: Arc<Mutex<Option<std::thread::Result<R>>>> = Arc::new(Mutex::new(None));
    let slot = result.clone();
    let (body, ()) = crate::erase::enter(
        ScopeContext::detached(),
        |s| {
            let mut job = s.erase(move || {
                let r = catch_unwind(AssertUnwindSafe(op));
                let outcome = if r.is_err() {
                    Outcome::Panicked
                } else {
                    Outcome::Finished
                };
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                outcome
            });
            if registry.admit() {
                job.set_counted();
                registry.inject(job);
            } else {
                // Shut down: nobody will take the job, so the caller runs it.
                job.run();
            }
        },
        |_| (),
    );
    // The body only queues (or runs) the job; a panic there is the pool's own bug, but
    // re-raise it rather than hide it.
    if let Err(p) = body {
        resume_unwind(p);
    }
    let result = result.lock().unwrap_or_else(|p| p.into_inner()).take();
    match result.expect("install: the job was consumed without running, which cannot happen") {
        Ok(r) => r,
        Err(p) => resume_unwind(p),
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::ThreadPool;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::Arc;

    #[test]
    fn install_returns_result_and_runs_on_a_worker() {
        let pool = ThreadPool::new(2).unwrap();
        let data = [1u64, 2, 3];
        // Borrows the caller's stack, like rayon's install.
        let (sum, index) =
            pool.install(|| (data.iter().sum::<u64>(), ThreadPool::current_thread_index()));
        assert_eq!(sum, 6);
        assert!(matches!(index, Some(i) if i < 2), "ran on {index:?}");
        assert_eq!(ThreadPool::current_thread_index(), None);
    }

    #[test]
    fn install_panic_is_resumed_and_pool_survives() {
        let pool = ThreadPool::new(2).unwrap();
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| -> u32 { panic!("boom in install") })
        }));
        assert_eq!(
            result.unwrap_err().downcast_ref::<&str>(),
            Some(&"boom in install")
        );
        assert_eq!(pool.install(|| 7), 7);
        assert_eq!(pool.stats().panics(), 1);
    }

    fn fib(pool: &ThreadPool, n: u64) -> u64 {
        if n < 2 {
            return n;
        }
        let (a, b) = pool.join(|| fib(pool, n - 1), || fib(pool, n - 2));
        a + b
    }

    #[test]
    fn install_nests_on_pools_of_1_and_2() {
        let n = if cfg!(miri) { 8 } else { 15 };
        let expected = [
            0u64, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610,
        ];
        for threads in [1, 2] {
            let pool = ThreadPool::new(threads).unwrap();
            // install inside install on the same pool just calls; joins inside run on
            // the worker (on a pool of 1 the only worker must not wait for itself).
            let v = pool.install(|| {
                let outer = ThreadPool::current_thread_index();
                pool.install(|| {
                    assert_eq!(ThreadPool::current_thread_index(), outer);
                    fib(&pool, n)
                })
            });
            assert_eq!(v, expected[n as usize], "threads = {threads}");
            // Nested scopes inside an installed operation.
            let mut hits = [0u8; 4];
            pool.install(|| {
                pool.scope(|s| {
                    for h in hits.iter_mut() {
                        s.spawn(|| *h += 1);
                    }
                })
            });
            assert_eq!(hits, [1; 4], "threads = {threads}");
        }
    }

    #[test]
    fn install_called_from_a_worker_runs_inline() {
        let pool = Arc::new(ThreadPool::new(1).unwrap());
        let inner = pool.clone();
        let handle = pool.spawn(move || {
            let me = ThreadPool::current_thread_index();
            let there = inner.install(ThreadPool::current_thread_index);
            (me, there)
        });
        let (me, there) = handle.join().unwrap();
        assert_eq!(me, Some(0));
        assert_eq!(there, Some(0));
    }

    #[test]
    fn install_across_pools_of_1_does_not_deadlock() {
        // A worker of `a` installs into `b`, whose operation installs back into `a`: the
        // waiting worker of `a` must run that job itself while it waits.
        let a = ThreadPool::new(1).unwrap();
        let b = ThreadPool::new(1).unwrap();
        let v = a.install(|| b.install(|| a.install(|| 40) + 1) + 1);
        assert_eq!(v, 42);
    }

    #[test]
    fn install_after_shutdown_runs_on_the_caller() {
        let pool = ThreadPool::new(2).unwrap();
        pool.shutdown();
        assert_eq!(pool.install(ThreadPool::current_thread_index), None);
        assert_eq!(pool.join(|| 1, || 2), (1, 2));
    }
}
