//! A job: one boxed closure in a queue.
//!
//! Everything the pool runs — `execute`, `spawn`, scope jobs, the second half of a
//! `join` — becomes a [`Job`]: a `Box<dyn FnOnce() -> Outcome + Send>`, or, for `spawn`,
//! an `Arc<dyn SharedJob>` (the closure and its result cell in one allocation, shared
//! with the `JobHandle`), plus one flag.
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
use std::sync::Arc;

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

/// A job whose state is shared with someone else (a `JobHandle`): run through `&self`,
/// at most once (the implementor takes its closure out of a slot).
pub(crate) trait SharedJob: Send + Sync {
    /// Runs the job's closure, if it is still there.
    fn run(&self) -> Outcome;
}

enum Body {
    Boxed(Box<dyn FnOnce() -> Outcome + Send + 'static>),
    Shared(Arc<dyn SharedJob>),
}

/// One unit of work in the pool's queues.
pub(crate) struct Job {
    body: Body,
    counted: bool,
}

impl Job {
    /// Wraps a boxed closure; `counted` says whether the registry admitted it
    /// (invariant 2).
    pub(crate) fn new(body: Box<dyn FnOnce() -> Outcome + Send + 'static>, counted: bool) -> Job {
        Job {
            body: Body::Boxed(body),
            counted,
        }
    }

    /// Wraps a shared job (not yet admitted).
    pub(crate) fn shared(job: Arc<dyn SharedJob>) -> Job {
        Job {
            body: Body::Shared(job),
            counted: false,
        }
    }

    /// Marks the job as admitted by the registry's in-flight counter.
    pub(crate) fn set_counted(&mut self) {
        self.counted = true;
    }

    /// Whether the registry must be told when this job is done (invariant 2).
    pub(crate) fn is_counted(&self) -> bool {
        self.counted
    }

    /// The address of the boxed closure (or shared state): a stable identity while the
    /// job is queued.
    pub(crate) fn addr(&self) -> usize {
        match &self.body {
            Body::Boxed(b) => {
                let ptr: *const (dyn FnOnce() -> Outcome + Send) = &**b;
                ptr.cast::<()>() as usize
            }
            Body::Shared(a) => Arc::as_ptr(a).cast::<()>() as usize,
        }
    }

    /// Runs the closure, consuming the job.
    pub(crate) fn run(self) -> Outcome {
        match self.body {
            Body::Boxed(b) => b(),
            Body::Shared(a) => a.run(),
        }
    }
}
