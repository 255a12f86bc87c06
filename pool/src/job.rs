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
//! 4. A scoped job (`erase.rs`) carries its latch count — an [`Arrival`] — *beside* its
//!    box, never inside it, and gives it back only after the box was consumed: after the
//!    call of the closure has *returned* (so every frame that held the closure's captured
//!    references is gone), or after the unrun box was dropped (field order: `body` drops
//!    before `arrival`). The latch's owner reads what the job wrote through a captured
//!    `&mut` only once the count is zero, so no reference of the job is live, let alone
//!    protected, when it does — the rule Miri's Tree Borrows checks (a release inside the
//!    closure left the closure's `&mut` protected while the owner read the slot). The
//!    worker goes one step further ([`Job::into_parts`]): it counts the job (and traces
//!    its end) before it releases the arrival, so a `scope`/`join`/`install` that
//!    returned sees its jobs in `stats()`.

use crate::latch::Arrival;
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
///
/// Field order is load-bearing (invariant 4): `body` drops before `arrival`.
pub(crate) struct Job {
    body: Body,
    arrival: Option<Arrival>,
    counted: bool,
    /// Whether the job holds a slot of the queue bound (`capacity.rs`), given back when
    /// a worker starts it.
    slot: bool,
}

/// A job taken apart by [`Job::into_parts`]: run `body`, then drop `arrival`.
pub(crate) struct JobParts {
    /// The closure (or shared job) to run.
    pub(crate) body: JobBody,
    /// The latch count of a scoped job: drop it after `body` was consumed.
    pub(crate) arrival: Option<Arrival>,
    /// Whether the registry admitted the job (invariant 2).
    pub(crate) counted: bool,
    /// Whether the job holds a queue slot (`capacity.rs`).
    pub(crate) slot: bool,
}

/// The runnable half of a job.
pub(crate) struct JobBody(Body);

impl JobBody {
    /// Runs the closure, consuming it.
    pub(crate) fn run(self) -> Outcome {
        match self.0 {
            Body::Boxed(b) => b(),
            Body::Shared(a) => a.run(),
        }
    }
}

impl Job {
    /// Wraps a boxed `'static` closure, not admitted.
    pub(crate) fn new(body: Box<dyn FnOnce() -> Outcome + Send + 'static>) -> Job {
        Job {
            body: Body::Boxed(body),
            arrival: None,
            counted: false,
            slot: false,
        }
    }

    /// Wraps a closure whose lifetime `erase.rs` erased, with the latch count it holds
    /// until it is consumed (invariant 4).
    pub(crate) fn scoped(
        body: Box<dyn FnOnce() -> Outcome + Send + 'static>,
        arrival: Arrival,
    ) -> Job {
        Job {
            body: Body::Boxed(body),
            arrival: Some(arrival),
            counted: false,
            slot: false,
        }
    }

    /// Wraps a shared job (not yet admitted).
    pub(crate) fn shared(job: Arc<dyn SharedJob>) -> Job {
        Job {
            body: Body::Shared(job),
            arrival: None,
            counted: false,
            slot: false,
        }
    }

    /// Marks the job as admitted by the registry's in-flight counter.
    pub(crate) fn set_counted(&mut self) {
        self.counted = true;
    }

    /// Marks the job as holding a slot of the queue bound (`capacity.rs`).
    pub(crate) fn set_slot(&mut self) {
        self.slot = true;
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

    /// Takes the job apart, so that the worker can count and trace it between running
    /// the body and releasing the arrival (invariant 4).
    pub(crate) fn into_parts(self) -> JobParts {
        JobParts {
            body: JobBody(self.body),
            arrival: self.arrival,
            counted: self.counted,
            slot: self.slot,
        }
    }

    /// Runs the closure, consuming the job, then releases its latch count (used where a
    /// job runs outside a worker: inline after shutdown).
    pub(crate) fn run(self) -> Outcome {
        let JobParts { body, arrival, .. } = self.into_parts();
        let outcome = body.run();
        drop(arrival);
        outcome
    }
}
