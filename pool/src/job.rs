//! A job: one boxed closure in a queue.
//!
//! Everything the pool runs — `execute`, `spawn`, scope jobs, the second half of a
//! `join` — becomes a [`Job`]: a `Box<dyn FnOnce() -> Outcome + Send>` plus one flag.
//! The queues (crossbeam-deque `Worker`/`Injector`) move these boxes around by value, so a
//! job is delivered to exactly one thread, which runs it or drops it exactly once.
//!
//! Invariants:
//! 1. A job never unwinds out of its body on purpose: each kind of job catches its own
//!    panic and routes the payload where it belongs (the `JobHandle`, the scope, or back
//!    to the worker as [`Outcome::Unhandled`] for the panic handler). The worker still
//!    wraps every run in `catch_unwind` as a last line of defence.
//! 2. `counted` jobs were admitted by the registry's in-flight counter
//!    (`Registry::admit`) and must be reported finished exactly once
//!    (`Registry::finish`) after they ran — or, during teardown, after they were dropped.
//! 3. [`Job::addr`] identifies a job by the address of its heap box, which is stable while
//!    the job moves through queues; `join` uses it to recognise its own job when it pops it
//!    back (rayon compares `JobRef` pointers the same way).

use std::any::Any;

/// What running a job produced, as far as the worker is concerned.
pub(crate) enum Outcome {
    /// The closure returned normally.
    Finished,
    /// The closure panicked and the payload was already delivered to its owner
    /// (a `JobHandle` or a scope); the worker only counts it.
    Panicked,
    /// The closure panicked and nobody owns the payload (an `execute` job): the worker
    /// hands it to the pool's panic handler.
    Unhandled(Box<dyn Any + Send>),
}

/// The body of a job, with its lifetime already `'static` (see `erase.rs` for how borrowed
/// closures get here).
pub(crate) type Body = Box<dyn FnOnce() -> Outcome + Send + 'static>;

/// One unit of work in the pool's queues.
pub(crate) struct Job {
    body: Body,
    counted: bool,
}

impl Job {
    /// Wraps a body; `counted` says whether the registry admitted it (invariant 2).
    pub(crate) fn new(body: Body, counted: bool) -> Job {
        Job { body, counted }
    }

    /// Marks the job as admitted by the registry's in-flight counter.
    pub(crate) fn set_counted(&mut self) {
        self.counted = true;
    }

    /// Whether the registry must be told when this job is done (invariant 2).
    pub(crate) fn is_counted(&self) -> bool {
        self.counted
    }

    /// The address of the boxed closure: a stable identity while the job is queued.
    pub(crate) fn addr(&self) -> usize {
        let ptr: *const (dyn FnOnce() -> Outcome + Send) = &*self.body;
        ptr.cast::<()>() as usize
    }

    /// Runs the closure, consuming the job.
    pub(crate) fn run(self) -> Outcome {
        (self.body)()
    }
}
