//! The job behind `ThreadPool::spawn`: the closure and its result cell in one allocation.
//!
//! A spawned job needs two things on the heap: the closure, until a worker runs it, and
//! the [`Completion`] cell, until the `JobHandle` has taken the result. [`SpawnJob`]
//! keeps both in one `Arc`: the queue holds one reference (as a `SharedJob`), the handle
//! the other (as a `ResultCell`). One allocation instead of two matters here: a job is
//! allocated by the spawning thread and freed by another, and cross-thread frees are the
//! most expensive part of malloc.
//!
//! States of the closure slot: `Some(f)` (queued) → `None` (taken by the worker that runs
//! it, or by `reject` after shutdown — then its captures are dropped at once, not when
//! the handle goes away).

use crate::completion::Completion;
use crate::handle::JobError;
use crate::job::{Outcome, SharedJob};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

/// What a `JobHandle` sees of its job: the result cell.
pub(crate) trait ResultCell<T>: Send + Sync {
    fn completion(&self) -> &Completion<T>;
}

/// A spawned closure and the cell for its result.
pub(crate) struct SpawnJob<F, T> {
    f: Mutex<Option<F>>,
    cell: Completion<T>,
}

impl<F, T> SpawnJob<F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    pub(crate) fn new(f: F) -> SpawnJob<F, T> {
        SpawnJob {
            f: Mutex::new(Some(f)),
            cell: Completion::new(),
        }
    }

    fn take(&self) -> Option<F> {
        self.f.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// The pool refused the job: drop the closure now and hand the handle its error.
    pub(crate) fn reject(&self) {
        drop(self.take());
        self.cell.complete(Err(JobError::rejected()));
    }
}

impl<F, T> SharedJob for SpawnJob<F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    fn run(&self) -> Outcome {
        let Some(f) = self.take() else {
            return Outcome::Finished;
        };
        let result = catch_unwind(AssertUnwindSafe(f));
        let outcome = if result.is_ok() {
            Outcome::Finished
        } else {
            Outcome::Panicked
        };
        self.cell.complete(result.map_err(JobError::panic));
        outcome
    }
}

impl<F, T> ResultCell<T> for SpawnJob<F, T>
where
    F: Send,
    T: Send,
{
    fn completion(&self) -> &Completion<T> {
        &self.cell
    }
}
