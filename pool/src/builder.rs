//! `Builder`: configure a pool, then start its threads.
//!
//! `build()` creates one crossbeam-deque `Worker` (LIFO) per thread and the shared
//! registry, then starts the threads one by one. Each thread pins itself if asked, sends
//! a "started" message (or the pinning error) back, runs `on_thread_start`, and enters
//! the worker loop. `build()` waits for every message, so a pool that exists is a pool
//! whose threads all run. Any failure — zero threads, a setting out of range, a thread
//! that cannot be spawned, a pin that the OS refuses — is a [`BuildError`], never a
//! panic or an abort; threads already started are shut down and joined first.
//!
//! Bounds, checked before any thread starts: 1 to [`Builder::MAX_THREADS`] threads, and
//! a stack of at least [`Builder::MIN_STACK_SIZE`] bytes. `std` rounds a smaller stack
//! up only to the platform's minimum (16 KiB with glibc), on which a worker overflows its
//! stack and aborts the whole process before it runs a single job.

use crate::job::Job;
use crate::pool::ThreadPool;
use crate::registry::{PanicHandler, Registry};
use crossbeam_deque::Worker;
use std::any::Any;
use std::fmt;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, mpsc};
use std::thread;

type NameFn = Arc<dyn Fn(usize) -> String + Send + Sync>;
type HookFn = Arc<dyn Fn(usize) + Send + Sync>;

/// Configures and builds a [`ThreadPool`].
///
/// ```
/// let pool = spindle_pool::ThreadPool::builder()
///     .threads(2)
///     .thread_name(|i| format!("cruncher-{i}"))
///     .build()
///     .unwrap();
/// assert_eq!(pool.num_threads(), 2);
/// ```
#[must_use = "a Builder does nothing until build() is called"]
pub struct Builder {
    threads: Option<usize>,
    thread_name: Option<NameFn>,
    stack_size: Option<usize>,
    pin_to_cores: bool,
    on_thread_start: Option<HookFn>,
    on_thread_stop: Option<HookFn>,
    panic_handler: Option<PanicHandler>,
    queue_capacity: Option<usize>,
    #[cfg(feature = "trace")]
    trace: Option<crate::trace::Recorder>,
    #[cfg(feature = "trace")]
    trace_to: Option<std::path::PathBuf>,
    #[cfg_attr(not(feature = "trace"), allow(dead_code))]
    trace_from_env: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("threads", &self.threads)
            .field("stack_size", &self.stack_size)
            .field("pin_to_cores", &self.pin_to_cores)
            .field("queue_capacity", &self.queue_capacity)
            .field("traced", &self.traced())
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// A builder with the defaults: one thread per available core, threads named
    /// `spindle-pool-{i}`, the platform's stack size, no pinning, no hooks, and a panic
    /// handler that reports on stderr.
    pub fn new() -> Builder {
        Builder {
            threads: None,
            thread_name: None,
            stack_size: None,
            pin_to_cores: false,
            on_thread_start: None,
            on_thread_stop: None,
            panic_handler: None,
            queue_capacity: None,
            #[cfg(feature = "trace")]
            trace: None,
            trace_from_env: true,
            #[cfg(feature = "trace")]
            trace_to: None,
        }
    }

    /// Whether the pool will trace (a recorder or a path was given).
    fn traced(&self) -> bool {
        #[cfg(feature = "trace")]
        return self.trace.is_some() || self.trace_to.is_some();
        #[cfg(not(feature = "trace"))]
        false
    }

    /// The most threads a pool may have: far more than any machine has cores, and few
    /// enough that a typo (`threads(1_000_000)`) is an error instead of a machine brought
    /// to its knees by a million stacks.
    pub const MAX_THREADS: usize = 4096;

    /// The smallest stack a worker may be given, in bytes. Measured in a debug build: a
    /// worker that runs a spawn, a scope and a `join` overflows a 24 KiB stack and runs
    /// on 32 KiB; twice that leaves room for the job's own frames. Jobs that recurse
    /// deeply need more (the default is the platform's, 2 MiB on Linux).
    pub const MIN_STACK_SIZE: usize = 64 * 1024;

    /// Number of worker threads (default: `std::thread::available_parallelism()`).
    /// Zero makes `build()` fail with [`BuildError::NoThreads`]; more than
    /// [`MAX_THREADS`](Self::MAX_THREADS) with [`BuildError::InvalidInput`].
    pub fn threads(mut self, n: usize) -> Builder {
        self.threads = Some(n);
        self
    }

    /// Names worker `i` `name(i)`.
    pub fn thread_name(
        mut self,
        name: impl Fn(usize) -> String + Send + Sync + 'static,
    ) -> Builder {
        self.thread_name = Some(Arc::new(name));
        self
    }

    /// Stack size of each worker, in bytes (default: the platform's, 2 MiB on Linux).
    /// Less than [`MIN_STACK_SIZE`](Self::MIN_STACK_SIZE) makes `build()` fail with
    /// [`BuildError::InvalidInput`].
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// Pins worker `i` to the `i mod n`-th of the `n` CPUs this process may run on
    /// (`sched_setaffinity`; Linux only — elsewhere `build()` fails with
    /// [`BuildError::Pin`]).
    pub fn pin_to_cores(mut self, pin: bool) -> Builder {
        self.pin_to_cores = pin;
        self
    }

    /// Runs `hook(i)` on worker `i` when it starts, before it runs any job.
    pub fn on_thread_start(mut self, hook: impl Fn(usize) + Send + Sync + 'static) -> Builder {
        self.on_thread_start = Some(Arc::new(hook));
        self
    }

    /// Runs `hook(i)` on worker `i` just before it exits.
    pub fn on_thread_stop(mut self, hook: impl Fn(usize) + Send + Sync + 'static) -> Builder {
        self.on_thread_stop = Some(Arc::new(hook));
        self
    }

    /// Receives the payload of every panic in a job started with
    /// [`ThreadPool::execute`] (spawned and scoped jobs deliver theirs to the handle or
    /// the scope). The default reports it on stderr. The worker keeps running either way.
    pub fn panic_handler(
        mut self,
        handler: impl Fn(Box<dyn Any + Send>) + Send + Sync + 'static,
    ) -> Builder {
        self.panic_handler = Some(Box::new(handler));
        self
    }

    /// Bounds the jobs of [`ThreadPool::execute`] and [`ThreadPool::spawn`] that are
    /// queued but not started (in the injector or any worker's deque) to `n` (default:
    /// unbounded). On a full queue `execute`/`spawn` block the caller until a job starts
    /// (a worker of this pool runs queued jobs instead, so it never deadlocks),
    /// [`ThreadPool::try_spawn`]/[`ThreadPool::try_execute`] hand the closure back in a
    /// [`Full`](crate::Full), and [`ThreadPool::spawn_async`] waits without blocking.
    /// Scope jobs and `join` halves are not counted (their caller already waits for
    /// them). `n == 0` makes `build()` fail with [`BuildError::InvalidInput`].
    pub fn queue_capacity(mut self, n: usize) -> Builder {
        self.queue_capacity = Some(n);
        self
    }

    /// Records what the pool's threads do into `recorder`: thread `i` records on
    /// `recorder.lane(LaneKind::PoolThread, i)` — every job with the core it ran on,
    /// steals, sleeps and wakes (see [`crate::trace`] for the events and their cost).
    /// The recorder stays the caller's: take a [`Recorder::snapshot`] of it (or
    /// [`ThreadPool::trace_snapshot`]) and save it yourself; the runtime passes its own
    /// recorder so that its blocking pool appears in the runtime's picture.
    ///
    /// Without this, a pool built while the environment variable `SPINDLE_TRACE=path` is
    /// set traces into a recorder of its own and saves it there when it shuts down
    /// (`path`, then `path-2`, `path-3`, ... for later saves in the same process).
    ///
    /// ```
    /// use spindle_pool::trace::{EventKind, Recorder};
    ///
    /// let recorder = Recorder::new();
    /// let pool = spindle_pool::ThreadPool::builder()
    ///     .threads(2)
    ///     .trace(recorder.clone())
    ///     .build()?;
    /// pool.scope(|s| (0..10).for_each(|_| s.spawn(|| ())));
    /// pool.shutdown(); // the threads flush their lanes as they exit
    /// let trace = recorder.snapshot();
    /// let starts = trace.lanes.iter().flat_map(|l| &l.events)
    ///     .filter(|e| matches!(e.kind, EventKind::JobStart { .. }))
    ///     .count();
    /// assert_eq!(starts, 10);
    /// # Ok::<(), spindle_pool::BuildError>(())
    /// ```
    ///
    /// [`Recorder::snapshot`]: crate::trace::Recorder::snapshot
    /// [`ThreadPool::trace_snapshot`]: crate::ThreadPool::trace_snapshot
    #[cfg(feature = "trace")]
    pub fn trace(mut self, recorder: crate::trace::Recorder) -> Builder {
        self.trace = Some(recorder);
        self
    }

    /// Traces the pool (into the recorder given to [`Builder::trace`], or a new one) and
    /// saves the trace to `path` when the pool shuts down, after its threads exited:
    /// `x.json` and `x.svg` (see `spindle_trace::Trace::save`). A failed save is reported
    /// on stderr, since it happens in `shutdown` or `drop`.
    #[cfg(feature = "trace")]
    pub fn trace_to(mut self, path: impl Into<std::path::PathBuf>) -> Builder {
        self.trace_to = Some(path.into());
        self
    }

    /// Whether `SPINDLE_TRACE` may turn tracing on for this pool (default `true`). A
    /// program that owns the decision — the runtime, for its blocking pool, which it
    /// traces into its own recorder or not at all — passes `false`. Available with or
    /// without the `trace` feature, so such callers need no `cfg` of their own.
    pub fn trace_from_env(mut self, allowed: bool) -> Builder {
        self.trace_from_env = allowed;
        self
    }

    /// The pool's tracing state: from `trace`/`trace_to`, else from `SPINDLE_TRACE`.
    #[cfg(feature = "trace")]
    fn pool_trace(&self) -> Option<crate::recording::PoolTrace> {
        use crate::recording::{PoolTrace, SaveTo};
        let save_to = match (&self.trace_to, &self.trace) {
            (Some(path), _) => Some(SaveTo::Path(path.clone())),
            (None, Some(_)) => None,
            (None, None) if self.trace_from_env => Some(SaveTo::Env(spindle_trace::env_path()?)),
            (None, None) => return None,
        };
        let recorder = self.trace.clone().unwrap_or_default();
        Some(PoolTrace::new(recorder, save_to))
    }

    /// Starts the threads.
    pub fn build(self) -> Result<ThreadPool, BuildError> {
        #[cfg(feature = "trace")]
        let pool_trace = self.pool_trace();
        let n = match self.threads {
            Some(n) => n,
            None => thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if n == 0 {
            return Err(BuildError::NoThreads);
        }
        if n > Self::MAX_THREADS {
            return Err(BuildError::InvalidInput {
                setting: "threads",
                reason: format!("{n} threads asked, at most {} allowed", Self::MAX_THREADS),
            });
        }
        if let Some(bytes) = self.stack_size.filter(|&b| b < Self::MIN_STACK_SIZE) {
            return Err(BuildError::InvalidInput {
                setting: "stack_size",
                reason: format!(
                    "a {bytes}-byte stack is too small to run a worker on; the minimum is {} \
                     bytes (Builder::MIN_STACK_SIZE)",
                    Self::MIN_STACK_SIZE
                ),
            });
        }
        if self.queue_capacity == Some(0) {
            return Err(BuildError::InvalidInput {
                setting: "queue_capacity",
                reason: "a queue of capacity 0 could never take a job; give at least 1 (or \
                         leave it unset for an unbounded queue)"
                    .to_owned(),
            });
        }
        let cpus = if self.pin_to_cores {
            // An empty mask is an error of allowed_cpus().
            let cpus = crate::affinity::allowed_cpus()
                .map_err(|source| BuildError::Pin { index: 0, source })?;
            Some(cpus)
        } else {
            None
        };

        let locals: Vec<Worker<Job>> = (0..n).map(|_| Worker::new_lifo()).collect();
        let registry = Arc::new(Registry::new(
            locals.iter().map(Worker::stealer).collect(),
            self.panic_handler,
            self.queue_capacity,
            #[cfg(feature = "trace")]
            pool_trace,
        ));
        let (started_tx, started_rx) = mpsc::channel::<(usize, io::Result<()>)>();
        let mut handles = Vec::with_capacity(n);
        let mut failure = None;
        for (index, local) in locals.into_iter().enumerate() {
            let name = match &self.thread_name {
                Some(f) => f(index),
                None => format!("spindle-pool-{index}"),
            };
            let mut builder = thread::Builder::new().name(name);
            if let Some(bytes) = self.stack_size {
                builder = builder.stack_size(bytes);
            }
            let registry = registry.clone();
            let started = started_tx.clone();
            let cpu = cpus.as_ref().map(|c| c[index % c.len()]);
            let (on_start, on_stop) = (self.on_thread_start.clone(), self.on_thread_stop.clone());
            let spawned = builder.spawn(move || {
                let pinned = cpu.map_or(Ok(()), crate::affinity::pin_current_thread);
                // If pinning failed, build() reports it and shuts the pool down; the
                // thread still enters the loop, which then exits at once (no jobs).
                let _ = started.send((index, pinned));
                drop(started);
                run_hook(on_start.as_deref(), index, "on_thread_start");
                crate::worker::run(index, local, registry);
                run_hook(on_stop.as_deref(), index, "on_thread_stop");
            });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(source) => {
                    failure = Some(BuildError::Spawn { index, source });
                    break;
                }
            }
        }
        drop(started_tx);
        // Wait for every started thread to report.
        for _ in 0..handles.len() {
            match started_rx.recv() {
                Ok((_, Ok(()))) => {}
                Ok((index, Err(source))) => {
                    failure.get_or_insert(BuildError::Pin { index, source });
                }
                Err(_) => break, // a thread died before reporting; joined below
            }
        }
        let pool = ThreadPool::from_parts(registry, handles);
        match failure {
            None => Ok(pool),
            Some(error) => {
                pool.shutdown();
                Err(error)
            }
        }
    }
}

fn run_hook(hook: Option<&(dyn Fn(usize) + Send + Sync)>, index: usize, what: &str) {
    if let Some(hook) = hook {
        if catch_unwind(AssertUnwindSafe(|| hook(index))).is_err() {
            eprintln!("spindle-pool: the {what} hook panicked on worker {index}; ignored");
        }
    }
}

/// Why [`Builder::build`] (or [`ThreadPool::new`]) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The pool was asked for zero threads.
    NoThreads,
    /// A setting is out of range: which one, and why (the message states the bound).
    InvalidInput {
        /// The `Builder` method whose value was refused.
        setting: &'static str,
        /// What was wrong, with the allowed range.
        reason: String,
    },
    /// The OS refused to start worker `index`.
    Spawn {
        /// Which worker.
        index: usize,
        /// The OS error.
        source: io::Error,
    },
    /// Pinning worker `index` to its core failed.
    Pin {
        /// Which worker.
        index: usize,
        /// The OS error.
        source: io::Error,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::NoThreads => {
                f.write_str("a thread pool needs at least one thread (threads(0) was given)")
            }
            BuildError::InvalidInput { setting, reason } => {
                write!(f, "invalid pool setting {setting}: {reason}")
            }
            BuildError::Spawn { index, source } => {
                write!(f, "could not start pool thread {index}: {source}")
            }
            BuildError::Pin { index, source } => {
                write!(f, "could not pin pool thread {index} to its core: {source}")
            }
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::NoThreads | BuildError::InvalidInput { .. } => None,
            BuildError::Spawn { source, .. } | BuildError::Pin { source, .. } => Some(source),
        }
    }
}

impl BuildError {
    /// The `io::ErrorKind` this error corresponds to: `InvalidInput` for settings out of
    /// range (zero threads included), the OS error's kind otherwise.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            BuildError::NoThreads | BuildError::InvalidInput { .. } => io::ErrorKind::InvalidInput,
            BuildError::Spawn { source, .. } | BuildError::Pin { source, .. } => source.kind(),
        }
    }
}

/// For callers that report `io::Error`s (the runtime's `Builder::build` among them).
impl From<BuildError> for io::Error {
    fn from(e: BuildError) -> io::Error {
        io::Error::new(e.kind(), e)
    }
}
