//! [`Builder`]: configures and creates a [`Runtime`].

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::Runtime;
use crate::scheduler::{
    self,
    config::{Config, Hook},
};
use crate::trace::session::TraceConfig;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    CurrentThread,
    MultiThread,
}

/// Builds a runtime with custom settings, like `tokio::runtime::Builder`.
///
/// ```
/// let rt = spindle::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    flavor: Flavor,
    worker_threads: Option<usize>,
    blocking_threads: Option<usize>,
    thread_stack_size: Option<usize>,
    thread_name: Arc<dyn Fn(usize) -> String + Send + Sync + 'static>,
    on_thread_start: Option<Hook>,
    on_thread_stop: Option<Hook>,
    pin_workers: bool,
    trace: TraceConfig,
    unhandled_panic: crate::runtime::UnhandledPanic,
    rng_seed: Option<u64>,
    start_paused: bool,
    /// `warn_long_polls` (None: off, unless `SPINDLE_LONG_POLL` is set).
    long_poll: Option<Duration>,
    on_long_poll: Option<super::long_poll::Callback>,
}

impl Builder {
    /// A runtime whose tasks all run on the thread that calls `block_on`.
    pub fn new_current_thread() -> Builder {
        Builder::new(Flavor::CurrentThread)
    }

    /// A work-stealing runtime with one worker thread per core by default.
    pub fn new_multi_thread() -> Builder {
        Builder::new(Flavor::MultiThread)
    }

    fn new(flavor: Flavor) -> Builder {
        Builder {
            flavor,
            worker_threads: None,
            blocking_threads: None,
            thread_stack_size: None,
            thread_name: Arc::new(|i| format!("spindle-worker-{i}")),
            on_thread_start: None,
            on_thread_stop: None,
            pin_workers: false,
            trace: TraceConfig::default(),
            unhandled_panic: crate::runtime::UnhandledPanic::Ignore,
            rng_seed: None,
            start_paused: false,
            long_poll: None,
            on_long_poll: None,
        }
    }

    /// Number of worker threads (multi-thread only; default: available cores).
    /// Zero, or more than 4096 ([`spindle_pool::Builder::MAX_THREADS`]), makes `build`
    /// fail with `InvalidInput`.
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.worker_threads = Some(n);
        self
    }

    /// Number of threads of the pool that runs `spawn_blocking` closures (default: the
    /// number of cores, at least 4). Zero, or more than 4096, makes `build` fail with
    /// `InvalidInput`.
    pub fn blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.blocking_threads = Some(n);
        self
    }

    /// Stack size, in bytes, of the worker threads and of the blocking pool's threads
    /// (default: the platform's, 2 MiB on Linux), as `tokio`'s `thread_stack_size`.
    /// Less than [`spindle_pool::Builder::MIN_STACK_SIZE`] (64 KiB) makes `build` fail
    /// with `InvalidInput`: a thread that small would overflow before it ran a task.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.thread_stack_size = Some(bytes);
        self
    }

    /// Worker threads are named `"{name}-{index}"`.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        let name = name.into();
        self.thread_name = Arc::new(move |i| format!("{name}-{i}"));
        self
    }

    /// Worker threads are named by `f(index)`.
    pub fn thread_name_fn(
        &mut self,
        f: impl Fn(usize) -> String + Send + Sync + 'static,
    ) -> &mut Builder {
        self.thread_name = Arc::new(f);
        self
    }

    /// Runs `f` on each worker thread when it starts, before the worker runs any task.
    /// `build` waits for every worker's hook: if one panics, the runtime is stopped and
    /// `build` returns an error carrying the panic's message.
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on each worker thread just before it exits.
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Pins worker *i* to core *i* mod the cores this process may use (its CPU affinity
    /// mask), with `sched_setaffinity`, so each worker keeps its caches warm and the
    /// trace shows one core per worker. Default: off (the kernel places the workers).
    ///
    /// Multi-thread only: on a current-thread runtime `build` fails with `InvalidInput`.
    /// Linux only: elsewhere `build` fails with `Unsupported`.
    pub fn pin_workers(&mut self, pin: bool) -> &mut Builder {
        self.pin_workers = pin;
        self
    }

    /// What a panic in a spawned task does to the runtime (tokio's knob of the same
    /// name). [`Ignore`](crate::runtime::UnhandledPanic::Ignore) (the default): the
    /// panic only becomes the task's [`JoinError`](crate::task::JoinError), whether or
    /// not its `JoinHandle` is held.
    /// [`ShutdownRuntime`](crate::runtime::UnhandledPanic::ShutdownRuntime): the runtime
    /// shuts down at the first such panic — every other task is cancelled (its future
    /// dropped) and `block_on` panics with a message naming the task — so a test can
    /// make any task panic fail the run (`scheduler/panic_policy.rs`).
    /// Works on both flavours and for `LocalSet` tasks. Not covered, as in tokio: panics
    /// in `spawn_blocking` closures (they only reach their `JoinHandle`).
    ///
    /// ```
    /// use spindle::runtime::{Builder, UnhandledPanic};
    ///
    /// let rt = Builder::new_current_thread()
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     rt.block_on(async {
    ///         spindle::spawn(async { panic!("boom") });
    ///         std::future::pending::<()>().await
    ///     })
    /// }));
    /// assert!(run.is_err());
    /// ```
    pub fn unhandled_panic(&mut self, policy: crate::runtime::UnhandledPanic) -> &mut Builder {
        self.unhandled_panic = policy;
        self
    }

    /// Records a trace of this runtime in memory (`true`), readable with
    /// [`Runtime::trace_snapshot`]: every poll with its worker and core, spawns, wakes,
    /// steals, parks, I/O events and timers (see [`crate::trace`]).
    ///
    /// `false` turns tracing off even when the `SPINDLE_TRACE` environment variable asks
    /// for it; by default (not called) that variable decides. Needs the cargo feature
    /// `trace` (on by default): without it, `trace(true)` makes `build` fail with
    /// `Unsupported`.
    pub fn trace(&mut self, on: bool) -> &mut Builder {
        self.trace.enabled = Some(on);
        self
    }

    /// Records a trace (as [`trace(true)`](Self::trace)) and saves it when the runtime
    /// is dropped: `path` and its sibling, e.g. `run.json` (Chrome trace format: open it
    /// in <https://ui.perfetto.dev> or chrome://tracing) and `run.svg` (a timeline to open
    /// in a browser). Saving errors are printed to stderr (a drop cannot return them).
    pub fn trace_to(&mut self, path: impl Into<std::path::PathBuf>) -> &mut Builder {
        self.trace.enabled = Some(true);
        self.trace.save_to = Some(path.into());
        self
    }

    /// Draws every choice the scheduler makes from a generator seeded with `seed`, so
    /// that a test can replay an interleaving (see `docs/determinism.md`).
    ///
    /// On a **current-thread** runtime this makes the schedule deterministic: which
    /// ready task runs next is picked at random among all ready tasks (the local and the
    /// remote queue), and an unbiased `select!` picks its first branch from the same
    /// generator. The same seed and the same program give the same order of polls, run
    /// after run; another seed gives another order. Combine it with
    /// [`start_paused(true)`](Self::start_paused) so that timers fire in a fixed order
    /// too. What stays outside the seed's reach: I/O readiness reported by the OS, the
    /// blocking pool's threads, and wakes sent from other threads.
    ///
    /// On a **multi-thread** runtime the seed only fixes each worker's choice of steal
    /// victim; which worker runs which task still depends on thread timing, so the
    /// schedule is *not* reproducible there.
    ///
    /// Without a seed (the default), the current-thread scheduler runs tasks in FIFO
    /// order and pays nothing for this option.
    ///
    /// ```
    /// let rt = spindle::runtime::Builder::new_current_thread()
    ///     .rng_seed(7)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 6 * 7 }), 42);
    /// ```
    pub fn rng_seed(&mut self, seed: u64) -> &mut Builder {
        self.rng_seed = Some(seed);
        self
    }

    /// Starts the runtime with its clock paused, as if
    /// [`spindle::time::pause()`](crate::time::pause) were its first call (tokio's
    /// `start_paused`). Time then moves only through
    /// [`advance`](crate::time::advance), or by itself when every task is idle: the
    /// scheduler then jumps the clock to the next timer's deadline instead of sleeping,
    /// so an hour of timers runs in milliseconds.
    ///
    /// Current-thread only: on a multi-thread runtime `build` fails with
    /// `InvalidInput` (its workers share no single moment at which "every task is idle").
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = spindle::runtime::Builder::new_current_thread()
    ///     .start_paused(true)
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     let start = spindle::time::Instant::now();
    ///     spindle::time::sleep(Duration::from_secs(3600)).await; // returns at once
    ///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
    /// });
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Builder {
        self.start_paused = paused;
        self
    }

    /// Creates the runtime (starting its worker threads).
    ///
    /// Errors: `InvalidInput` for zero worker or blocking threads, or for
    /// `pin_workers(true)` or `start_paused(true)` on the other flavour; the OS error if a thread cannot be
    /// spawned or pinned; an error with the panic's message if `on_thread_start` panics.
    pub fn build(&mut self) -> io::Result<Runtime> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = self.worker_threads.unwrap_or(cores);
        if workers == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "worker_threads must be at least 1",
            ));
        }
        let max = spindle_pool::Builder::MAX_THREADS;
        if workers > max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("worker_threads must be at most {max} (got {workers})"),
            ));
        }
        let blocking_threads = self.blocking_threads.unwrap_or(cores.max(4));
        if blocking_threads == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "blocking_threads must be at least 1",
            ));
        }
        if blocking_threads > max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("blocking_threads must be at most {max} (got {blocking_threads})"),
            ));
        }
        let min_stack = spindle_pool::Builder::MIN_STACK_SIZE;
        if let Some(bytes) = self.thread_stack_size.filter(|&b| b < min_stack) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "thread_stack_size({bytes}) is too small to run a worker on; the minimum \
                     is {min_stack} bytes"
                ),
            ));
        }
        let pin_cores = match (self.pin_workers, self.flavor) {
            (false, _) => None,
            (true, Flavor::CurrentThread) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "pin_workers(true) needs a multi-thread runtime (Builder::new_multi_thread): \
                     a current-thread runtime has no workers to pin",
                ));
            }
            (true, Flavor::MultiThread) => Some(spindle_pool::affinity::allowed_cpus()?.into()),
        };
        if self.start_paused && self.flavor == Flavor::MultiThread {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "start_paused(true) needs a current-thread runtime (Builder::new_current_thread): \
                 time can only be paused where one thread runs every task",
            ));
        }
        let config = Config {
            thread_name: self.thread_name.clone(),
            on_thread_start: self.on_thread_start.clone(),
            on_thread_stop: self.on_thread_stop.clone(),
            blocking_threads,
            thread_stack_size: self.thread_stack_size,
            pin_cores,
            trace: self.trace.clone(),
            unhandled_panic: self.unhandled_panic,
            rng_seed: self.rng_seed,
            start_paused: self.start_paused,
        };
        if self.long_poll == Some(Duration::ZERO) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "warn_long_polls(0) would report every poll; give a threshold such as 50ms",
            ));
        }
        // The environment turns the detector on in any program; a bad value there is
        // reported and ignored (it must not break a program that did not ask for it).
        let long_poll = self.long_poll.or_else(|| {
            let text = std::env::var("SPINDLE_LONG_POLL").ok()?;
            super::long_poll::parse_threshold(&text)
                .map_err(|e| eprintln!("spindle: ignoring {e}"))
                .ok()
        });
        let kind = match self.flavor {
            Flavor::CurrentThread => scheduler::Kind::CurrentThread,
            Flavor::MultiThread => scheduler::Kind::MultiThread { workers },
        };
        let mut rt = Runtime::build(kind, config)?;
        if let Some(threshold) = long_poll {
            rt.long_polls = Some(super::long_poll::Watchdog::start(
                rt.handle.inner.clone(),
                threshold,
                self.on_long_poll.clone(),
            )?);
        }
        Ok(rt)
    }

    /// Reports a poll that runs longer than `threshold` while it still runs (the most
    /// common async bug: a blocking call inside a task): one line on stderr naming the
    /// task, its spawn location, the worker and how long it has run, or a call of the
    /// [`on_long_poll`](Self::on_long_poll) callback. Off by default; the environment
    /// variable `SPINDLE_LONG_POLL=50ms` turns it on for any program. It costs one
    /// thread that wakes every `threshold / 2`, nothing per poll (see
    /// docs/task-dump.md). Errors at `build`: a zero threshold.
    pub fn warn_long_polls(&mut self, threshold: Duration) -> &mut Self {
        self.long_poll = Some(threshold);
        self
    }

    /// Calls `callback` (on the detector's thread) instead of printing each long poll.
    /// Has an effect only when the detector is on (`warn_long_polls` or the variable).
    pub fn on_long_poll(
        &mut self,
        callback: impl Fn(&super::LongPoll) + Send + Sync + 'static,
    ) -> &mut Self {
        self.on_long_poll = Some(Arc::new(callback));
        self
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("blocking_threads", &self.blocking_threads)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("pin_workers", &self.pin_workers)
            .field("trace", &self.trace)
            .field("rng_seed", &self.rng_seed)
            .field("start_paused", &self.start_paused)
            .finish_non_exhaustive()
    }
}
