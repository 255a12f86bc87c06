//! `ThreadPool::scope`: jobs that borrow from the caller, joined before `scope` returns.
//!
//! Shaped like `std::thread::scope`, with jobs instead of threads:
//!
//! ```
//! let pool = spindle_pool::ThreadPool::new(2).unwrap();
//! let mut left = vec![1, 2, 3];
//! let right = vec![4, 5, 6];
//! let total = std::sync::atomic::AtomicUsize::new(0);
//! pool.scope(|s| {
//!     s.spawn(|| left.push(4));               // borrows `left` mutably
//!     s.spawn(|| {
//!         let sum: usize = right.iter().sum(); // borrows `right`
//!         total.fetch_add(sum, std::sync::atomic::Ordering::Relaxed);
//!     });
//! });
//! assert_eq!(left, [1, 2, 3, 4]);
//! assert_eq!(total.into_inner(), 15);
//! ```
//!
//! Algorithm: the scope is admitted into the registry's in-flight count once, as a
//! whole (so the workers cannot exit before its jobs ran, and no job pays a shared
//! read-modify-write for admission). Every `Scope::spawn` erases the closure's lifetime
//! (`erase.rs`, with its SAFETY argument) and pushes it — onto the current worker's
//! deque when called from a worker of this pool, else into the injector. The scope's `CountLatch` counts unfinished jobs; `scope` waits for zero
//! (helping if it runs on a worker, parking otherwise; `wait.rs`).
//!
//! Panics: a job's panic is caught and the first one kept; after every job has ended,
//! `scope` re-raises the body's own panic if it panicked, else the first job panic
//! (`resume_unwind`), so a panic never escapes while borrowed data is still in use.
//!
//! A scope that begins after shutdown runs each job inline on the spawning thread (a
//! scope must finish its jobs, and the pool no longer takes any); one that began before
//! keeps the workers alive until it ends.

use crate::erase::Scope;
use crate::job::Outcome;
use crate::registry::Registry;
use crate::worker::WorkerThread;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex};

/// What a scope knows besides its latch: its pool and the first job panic.
///
/// `join` uses the same machinery with a detached context (no registry: its one job is
/// pushed by hand; no panic slot use), so that a `join` — the hottest operation of a
/// divide-and-conquer workload — touches no shared reference count.
pub(crate) struct ScopeContext {
    registry: Option<Arc<Registry>>,
    /// Whether the registry admitted the scope as one in-flight job (false: the pool was
    /// already shut down, and jobs run inline).
    admitted: bool,
    first_panic: Mutex<Option<Box<dyn Any + Send>>>,
}

impl ScopeContext {
    /// A context for a scope on `registry`, admitted if the pool still takes work.
    pub(crate) fn new(registry: Arc<Registry>) -> ScopeContext {
        ScopeContext {
            admitted: registry.admit(),
            registry: Some(registry),
            first_panic: Mutex::new(None),
        }
    }

    /// Gives the scope's admission back (after every job of the scope has ended).
    fn finish(&self) {
        if let (Some(registry), true) = (&self.registry, self.admitted) {
            registry.finish();
        }
    }

    /// A context for `join`, whose jobs never go through `Scope::spawn`.
    pub(crate) const fn detached() -> ScopeContext {
        ScopeContext {
            registry: None,
            admitted: false,
            first_panic: Mutex::new(None),
        }
    }

    /// The first panic a job of the scope recorded, if any.
    pub(crate) fn take_panic(&self) -> Option<Box<dyn Any + Send>> {
        self.first_panic
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    fn record_panic(&self, payload: Box<dyn Any + Send>) {
        let mut first = self.first_panic.lock().unwrap_or_else(|p| p.into_inner());
        if first.is_none() {
            *first = Some(payload);
        }
    }
}

impl<'scope, 'env> Scope<'scope, 'env> {
    /// Starts a job that may borrow anything that outlives the scope, including the
    /// scope itself (to spawn nested jobs). The job runs on a pool thread; `scope`
    /// returns only after it (and every other job of the scope) has ended.
    pub fn spawn<F>(&'scope self, f: F)
    where
        F: FnOnce() + Send + 'scope,
    {
        let ctx = &self.ctx;
        let job = self.erase(move || match catch_unwind(AssertUnwindSafe(f)) {
            Ok(()) => Outcome::Finished,
            Err(payload) => {
                ctx.record_panic(payload);
                Outcome::Panicked
            }
        });
        let registry = self
            .ctx
            .registry
            .as_ref()
            .expect("Scope::spawn on a join context: join never hands out its Scope");
        if !self.ctx.admitted {
            // The pool was shut down before the scope began: run the job here, so the
            // scope still finishes its work.
            job.run();
            return;
        }
        // Not admitted one by one: the scope's own admission keeps the workers alive
        // until every job of the scope has run.
        match WorkerThread::current_of(registry) {
            Some(worker) => worker.push(job),
            None => registry.inject(job),
        }
    }
}

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

/// The body of `ThreadPool::scope`.
pub(crate) fn scope<'env, F, R>(registry: Arc<Registry>, f: F) -> R
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> R,
{
    let (result, first_panic) = crate::erase::enter(ScopeContext::new(registry), f, |ctx| {
        ctx.finish();
        ctx.take_panic()
    });
    match (result, first_panic) {
        (Err(body_panic), _) => resume_unwind(body_panic),
        (Ok(_), Some(job_panic)) => resume_unwind(job_panic),
        (Ok(value), None) => value,
    }
}
