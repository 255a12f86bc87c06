//! Lifetime erasure for borrowed jobs: the crate's one `unsafe` operation.
//!
//! `scope` and `join` run closures that borrow from the caller's stack on pool threads.
//! The pool's queues hold `'static` jobs, so such a closure's `'scope` lifetime must be
//! erased — a transmute that no safe API can express (rayon's `HeapJob`/`StackJob` and
//! std's `thread::scope` do the same with raw pointers). The pool is meant to be
//! `#![forbid(unsafe_code)]` unless it needs `unsafe`; scoped jobs need it, so the crate
//! is `#![deny(unsafe_code)]` and this module alone is allowed one `unsafe` block, behind a
//! safe API that cannot be misused from the rest of the crate:
//!
//! - [`enter`] creates a [`Scope`], runs the body with `&'scope Scope<'scope, 'env>`, and
//!   does not return — nor unwind — before every job erased from that scope has been
//!   *consumed* (run to the end, or dropped unrun).
//! - [`Scope::erase`] turns an `F: FnOnce() + Send + 'scope` into a `'static` [`Job`] that
//!   holds one count of the scope's [`CountLatch`] until it is consumed.
//!
//! The lifetimes are std's `thread::scope` design: `'scope` is invariant and chosen by
//! `enter` (the body is `for<'scope> FnOnce(&'scope Scope<'scope, 'env>)`), so a job can
//! only borrow data that outlives the whole `enter` call (`'env`) or the `Scope` itself,
//! never a local of the body.
//!
//! ## SAFETY argument (why the transmute in `erase` is sound)
//! A value whose type mentions `'scope` may only be used while `'scope` is live, i.e.
//! before `enter` returns. The erased box is the only such value we create, and it is
//! only ever *called* or *dropped*. Claim: both happen before `enter` returns.
//! 1. While the box exists, the latch count is ≥ 1: the job's `Arrival` (one count) is
//!    taken before the box is made, is kept *beside* the box in the `Job` (never inside
//!    it), and is released only after the box was consumed — after the call of the
//!    closure has returned, or after the unrun box was dropped (`Job`'s fields drop in
//!    declaration order: `body` before `arrival`); see `job.rs`, invariant 4. Releasing
//!    only after the call *returned* also means no frame holding the closure's captured
//!    references (a `join`'s `&mut` result slot) is still live when the owner reads
//!    what the job wrote — the Tree Borrows rule Miri checks.
//! 2. `enter` returns only after it observed the count at zero (Acquire), so every box
//!    created in the scope has been consumed and its effects are visible.
//! 3. `enter` cannot unwind early: the body's panic is caught and resumed only after the
//!    wait; the wait itself runs jobs under `catch_unwind`, and should it unwind anyway,
//!    an abort guard stops the process rather than let borrowed data die under a
//!    running job.
//! 4. A box that is leaked (`mem::forget`) is never consumed, so `enter` waits forever:
//!    a hang, never a use-after-free. Nothing in the pool leaks jobs: queues are drained
//!    before the workers exit, and a rejected job is run inline.

#![allow(unsafe_code)]

use crate::job::{Job, Outcome};
use crate::latch::{Arrival, CountLatch};
use crate::scope::ScopeContext;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// A scope in which jobs may borrow anything that outlives `'env`; created by
/// [`ThreadPool::scope`](crate::ThreadPool::scope). See [`Scope::spawn`].
pub struct Scope<'scope, 'env: 'scope> {
    pub(crate) ctx: ScopeContext,
    latch: Arc<CountLatch>,
    /// Invariant in `'scope` (std's trick): the body cannot shrink it to fit a local.
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

/// Aborts the process if dropped during unwinding (SAFETY point 3).
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        eprintln!(
            "spindle-pool: unwinding while scoped jobs may still borrow the caller's stack; aborting"
        );
        std::process::abort();
    }
}

impl<'scope, 'env> Scope<'scope, 'env> {
    /// Whether every job erased from this scope so far has been consumed.
    pub(crate) fn jobs_done(&self) -> bool {
        self.latch.is_done()
    }

    /// Turns a closure that borrows for `'scope` into a `'static` job, not admitted
    /// (the caller decides whether to admit it into the registry).
    pub(crate) fn erase<F>(&'scope self, f: F) -> Job
    where
        F: FnOnce() -> Outcome + Send + 'scope,
    {
        let arrival = Arrival::new(self.latch.clone());
        let body: Box<dyn FnOnce() -> Outcome + Send + 'scope> = Box::new(f);
        // SAFETY: only the lifetime bound of the trait object changes (same layout, same
        // vtable). By the module's argument, the box is called or dropped before `enter`
        // returns, and `enter` returns before `'scope` ends: points 1-4 above.
        let body: Box<dyn FnOnce() -> Outcome + Send + 'static> =
            unsafe { std::mem::transmute(body) };
        Job::scoped(body, arrival)
    }
}

/// Runs `f` with a fresh scope, then waits until every job erased from it was consumed.
/// Returns the body's result (or its panic, caught) and what `after` extracts from the
/// scope's context once every job is done.
pub(crate) fn enter<'env, F, R, T>(
    ctx: ScopeContext,
    f: F,
    after: impl FnOnce(&ScopeContext) -> T,
) -> (std::thread::Result<R>, T)
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> R,
{
    let scope = Scope {
        ctx,
        latch: Arc::new(CountLatch::new()),
        scope: PhantomData,
        env: PhantomData,
    };
    let result = catch_unwind(AssertUnwindSafe(|| f(&scope)));
    let abort = AbortOnUnwind;
    let latch = &*scope.latch;
    crate::wait::wait_until(&|| latch.is_done(), &|waker| latch.register(waker));
    assert!(
        latch.is_done(),
        "the wait returned before every scoped job finished"
    );
    std::mem::forget(abort);
    (result, after(&scope.ctx))
}
