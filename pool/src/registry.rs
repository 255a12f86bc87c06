//! The registry: what all workers of one pool share.
//!
//! - the global [`Injector`] where jobs from outside the pool land (FIFO);
//! - a [`Stealer`] for each worker's deque, so idle workers can steal;
//! - the sleep/wake state (`sleep.rs`);
//! - the admission/termination word (`admission.rs`): how many admitted jobs are in
//!   flight, and whether the pool is shut down;
//! - each worker's counters (`stats.rs`) and the panic handler;
//! - the tracing state, if the pool traces (`recording.rs`).

use crate::admission::Admission;
use crate::capacity::Capacity;
use crate::handle::panic_message;
use crate::job::Job;
use crate::sleep::Sleep;
use crate::stats::{Counters, PoolStats};
use crossbeam_deque::{Injector, Stealer};
use crossbeam_utils::CachePadded;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

#[cfg(feature = "trace")]
use crate::recording::PoolTrace;

/// The user's panic handler for `execute` jobs.
pub(crate) type PanicHandler = Box<dyn Fn(Box<dyn Any + Send>) + Send + Sync>;

/// State shared by all workers of one pool (see the module header).
pub(crate) struct Registry {
    pub(crate) injector: Injector<Job>,
    pub(crate) stealers: Box<[Stealer<Job>]>,
    pub(crate) sleep: Sleep,
    admission: CachePadded<Admission>,
    /// The queue bound, if `Builder::queue_capacity` set one. Boxed: one pointer in
    /// the registry, so an unbounded pool keeps the registry's layout. Inline (cache-
    /// padded), it moved the hot fields, and the unbounded `pool_spawn_join_latency`
    /// row measured 1.27x slower in interleaved runs; boxed, no difference (BENCHMARKS.md).
    pub(crate) capacity: Option<Box<Capacity>>,
    counters: Box<[CachePadded<Counters>]>,
    panic_handler: Option<PanicHandler>,
    /// When the pool was built (for the stats' uptime and busy%).
    started: Instant,
    #[cfg(feature = "trace")]
    trace: Option<PoolTrace>,
}

impl Registry {
    pub(crate) fn new(
        stealers: Vec<Stealer<Job>>,
        panic_handler: Option<PanicHandler>,
        queue_capacity: Option<usize>,
        #[cfg(feature = "trace")] trace: Option<PoolTrace>,
    ) -> Self {
        let n = stealers.len();
        Registry {
            injector: Injector::new(),
            stealers: stealers.into_boxed_slice(),
            sleep: Sleep::new(n),
            admission: CachePadded::new(Admission::new()),
            capacity: queue_capacity.map(|n| Box::new(Capacity::new(n))),
            counters: (0..n).map(|_| CachePadded::default()).collect(),
            panic_handler,
            started: Instant::now(),
            #[cfg(feature = "trace")]
            trace,
        }
    }

    /// The pool's tracing state, if it traces.
    #[cfg(feature = "trace")]
    pub(crate) fn trace(&self) -> Option<&PoolTrace> {
        self.trace.as_ref()
    }

    /// Wakes a sleeper if one sleeps and nobody searches (after a push), and traces who
    /// woke whom.
    #[inline]
    pub(crate) fn notify_new_job(&self) {
        if let Some(woken) = self.sleep.notify_new_job() {
            self.notified(woken);
        }
    }

    /// Someone on this thread woke worker `target`: trace it if the pool traces. Only
    /// on wake paths, which already took a lock and made a syscall.
    #[cold]
    pub(crate) fn notified(&self, target: usize) {
        #[cfg(feature = "trace")]
        if let Some(trace) = &self.trace {
            trace.notified(self, target);
        }
        #[cfg(not(feature = "trace"))]
        let _ = target;
    }

    /// Number of workers.
    pub(crate) fn num_threads(&self) -> usize {
        self.stealers.len()
    }

    /// Admits one job into the in-flight count, or refuses it after shutdown.
    pub(crate) fn admit(&self) -> bool {
        self.admission
            .admit(|| self.sleep.wake_all(|t| self.notified(t)))
    }

    /// An admitted job is done.
    pub(crate) fn finish(&self) {
        self.admission
            .finish(|| self.sleep.wake_all(|t| self.notified(t)));
    }

    /// A job holding a queue slot started: give the slot back.
    #[inline]
    pub(crate) fn release_slot(&self) {
        if let Some(capacity) = &self.capacity {
            capacity.release();
        }
    }

    /// Refuses new jobs from now on, releases every spawner waiting for room (they get
    /// `Rejected`), and wakes every worker to drain the queues.
    pub(crate) fn terminate(&self) {
        self.admission.terminate();
        if let Some(capacity) = &self.capacity {
            capacity.close();
        }
        self.sleep.wake_all(|t| self.notified(t));
    }

    /// Whether shutdown has started.
    pub(crate) fn is_terminated(&self) -> bool {
        self.admission.is_terminated()
    }

    /// Whether a worker with nothing to do may exit: shut down and nothing in flight.
    pub(crate) fn can_exit(&self) -> bool {
        self.admission.can_exit()
    }

    /// Whether any shared queue (injector or a worker's deque) holds a job.
    pub(crate) fn has_work(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }

    /// Jobs sitting in queues right now.
    pub(crate) fn queued(&self) -> usize {
        self.injector.len() + self.stealers.iter().map(Stealer::len).sum::<usize>()
    }

    /// Pushes a job (admitted itself, or covered by its admitted scope) into the injector,
    /// and wakes a sleeper if one sleeps and nobody searches.
    pub(crate) fn inject(&self, job: Job) {
        self.injector.push(job);
        self.notify_new_job();
    }

    /// Worker `index`'s counters.
    pub(crate) fn counters(&self, index: usize) -> &Counters {
        &self.counters[index]
    }

    /// A snapshot of every counter.
    pub(crate) fn stats(&self) -> PoolStats {
        let totals = self
            .capacity
            .as_ref()
            .map_or((0, Duration::ZERO), |c| c.totals());
        PoolStats {
            workers: self
                .counters
                .iter()
                .enumerate()
                .map(|(i, c)| c.snapshot(i))
                .collect(),
            queued: self.queued(),
            sleeping: self.sleep.sleeping(),
            uptime: self.started.elapsed(),
            queue_capacity: self.capacity.as_ref().map(|c| c.limit()),
            rejected: totals.0,
            blocked: totals.1,
        }
    }

    /// Hands the payload of a panicked `execute` job to the panic handler. The default
    /// handler reports on stderr; a handler that panics itself is reported and ignored,
    /// so a worker never dies of a panic.
    pub(crate) fn handle_panic(&self, payload: Box<dyn Any + Send>) {
        match &self.panic_handler {
            Some(handler) => {
                if catch_unwind(AssertUnwindSafe(|| handler(payload))).is_err() {
                    eprintln!("spindle-pool: the panic handler itself panicked; ignored");
                }
            }
            None => eprintln!(
                "spindle-pool: a job started with execute() panicked: {}; the worker keeps running",
                panic_message(&*payload)
            ),
        }
    }
}
