//! `ThreadPool::join(a, b)`: run two closures, potentially in parallel (rayon's shape).
//!
//! On a worker of the pool (the common case: recursive divide and conquer), first the
//! *lazy binary splitting* test (Tzannes, Caragea, Barua and Vishkin, "Lazy Binary
//! Splitting", PPoPP 2010): if this worker's deque already holds a job and no worker
//! sleeps, an idle worker already has something to steal from us, and offering `b` as
//! well would only add cost (and on a pool of one thread nobody could take it) — so `a`
//! and `b` simply run here, one after the other, with no allocation and no atomic
//! operation. A join deep in a recursion thus costs a
//! function call, and `b` is offered again as soon as a thief has emptied our deque (or
//! someone sleeps). Otherwise:
//!
//! 1. erase `b`'s lifetime (`erase.rs`) and push it on our own deque, where an idle worker
//!    may steal it (waking a sleeper only if one sleeps — `sleep.rs`);
//! 2. run `a` here;
//! 3. pop our deque: deques are LIFO for their owner, so if nobody stole `b` it is on
//!    top (we recognise it by its box address) and we run it ourselves — the cheap,
//!    common path with no cross-thread hand-off at all. Jobs pushed above it by `a` and
//!    not yet taken are run on the way, as rayon does;
//! 4. if `b` was stolen, wait for its latch while running other jobs (`wait.rs`).
//!
//! From any other thread, the whole `join` moves onto a worker as one job and the caller
//! blocks until it is done (`install.rs`, rayon's `in_worker_cold`): a recursion started
//! from outside then pays the trip into the pool once, and every nested `join` takes the
//! worker path above. (An earlier version ran `a` on the caller and offered `b` through
//! the injector at every level: 4.5x rayon on a depth-16 join tree, see BENCHMARKS.md.)
//!
//! `b`'s result goes to a slot on this stack frame through a captured `&mut`. That is
//! sound, also under Tree Borrows, because the job's latch count is released only after
//! the call of its closure has returned (`job.rs`, invariant 4): when `b_done()` reads
//! zero, no frame of the job — and so no protected copy of that `&mut` — is live.
//!
//! Panics: both closures always finish; then `a`'s panic is re-raised if it panicked,
//! else `b`'s — the panic never escapes while `b` may still borrow the caller's stack.

use crate::job::{Job, Outcome};
use crate::registry::Registry;
use crate::scope::ScopeContext;
use crate::worker::WorkerThread;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;

/// The body of `ThreadPool::join`.
pub(crate) fn join<A, B, RA, RB>(registry: &Arc<Registry>, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if let Some(worker) = WorkerThread::current_of(registry) {
        return join_on_worker(&worker, a, b);
    }
    // From outside: move the whole join onto a worker, once (`install.rs`).
    crate::install::install_cold(registry, || match WorkerThread::current_of(registry) {
        Some(worker) => join_on_worker(&worker, a, b),
        // The pool is shut down, so `install` ran us on the caller: no pool to offer
        // `b` to, run both here.
        None => both(
            catch_unwind(AssertUnwindSafe(a)),
            catch_unwind(AssertUnwindSafe(b)),
        ),
    })
}

/// `join` on a worker of the pool.
fn join_on_worker<A, B, RA, RB>(worker: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if !worker.should_offer_work() {
        // Lazy binary splitting: a thief already has something to steal from us, so
        // offering `b` too would only add cost; run both here.
        let result_a = catch_unwind(AssertUnwindSafe(a));
        let result_b = catch_unwind(AssertUnwindSafe(b));
        return both(result_a, result_b);
    }
    let mut result_b: Option<std::thread::Result<RB>> = None;
    let slot_b = &mut result_b;
    let (result_a, ()) = crate::erase::enter(
        ScopeContext::detached(),
        |s| {
            let job_b = s.erase(move || {
                let r = catch_unwind(AssertUnwindSafe(b));
                let outcome = if r.is_err() {
                    Outcome::Panicked
                } else {
                    Outcome::Finished
                };
                *slot_b = Some(r);
                outcome
            });
            offer_and_run(worker, job_b, a, &|| s.jobs_done())
        },
        |_| (),
    );
    // `enter` caught nothing of its own here (both closures run under catch_unwind), so
    // `result_a` is `Ok`; its content is `a`'s outcome.
    let result_a = match result_a {
        Ok(r) => r,
        Err(p) => resume_unwind(p),
    };
    let result_b = result_b.expect("join: b was consumed without running, which cannot happen");
    both(result_a, result_b)
}

/// Both results, or the first panic (`a`'s before `b`'s), re-raised.
fn both<RA, RB>(a: std::thread::Result<RA>, b: std::thread::Result<RB>) -> (RA, RB) {
    match (a, b) {
        (Ok(ra), Ok(rb)) => (ra, rb),
        (Err(p), _) | (_, Err(p)) => resume_unwind(p),
    }
}

/// Steps 1-4 of the module header: push `b`, run `a`, take `b` back unless stolen.
fn offer_and_run<A, RA>(
    worker: &WorkerThread,
    job_b: Job,
    a: A,
    b_done: &dyn Fn() -> bool,
) -> std::thread::Result<RA>
where
    A: FnOnce() -> RA,
{
    let addr_b = job_b.addr();
    worker.push(job_b);
    let result_a = catch_unwind(AssertUnwindSafe(a));
    // Take `b` back if nobody stole it; run anything above it on the way. Stop as soon
    // as a thief has finished `b` (rayon checks its latch the same way), so we do not
    // run our own older jobs before returning.
    while !b_done() {
        let Some(job) = worker.pop() else { break };
        let is_b = job.addr() == addr_b;
        worker.execute(job);
        if is_b {
            break;
        }
    }
    result_a
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::ThreadPool;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// `b` is always stolen: `a` holds its thread until `b` ran on the other one. Then
    /// `b`'s result travels through the `&mut` slot on `join`'s stack and the latch.
    /// Under Miri with Tree Borrows and `-Zmiri-many-seeds=0..24`, the same test on the
    /// earlier version, which released the latch inside the job's box, was reported as UB
    /// (Miri stops at the first failing seed): the box's frame still protected the
    /// `&mut` when `join` read the slot. With the release after the call (`job.rs`,
    /// invariant 4) all 24 seeds pass.
    #[test]
    fn stolen_b_hands_its_result_back_through_the_stack_slot() {
        let pool = ThreadPool::new(2).unwrap();
        let b_ran = AtomicBool::new(false);
        let (a, b) = pool.install(|| {
            pool.join(
                || {
                    while !b_ran.load(Ordering::Acquire) {
                        std::hint::spin_loop();
                    }
                    (ThreadPool::current_thread_index(), String::from("a"))
                },
                || {
                    b_ran.store(true, Ordering::Release);
                    (ThreadPool::current_thread_index(), String::from("b"))
                },
            )
        });
        assert_eq!((a.1.as_str(), b.1.as_str()), ("a", "b"));
        assert_ne!(a.0, b.0, "b ran on the other thread");
    }
}
