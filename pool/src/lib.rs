//! # spindle-pool — a fixed thread pool with work stealing
//!
//! A pool of `n` threads for CPU-bound and blocking work: fire-and-forget jobs
//! ([`ThreadPool::execute`]), jobs with a result to block on or `.await`
//! ([`ThreadPool::spawn`] → [`JobHandle`]), jobs that borrow from the caller
//! ([`ThreadPool::scope`]), fork-join ([`ThreadPool::join`]), running an operation inside
//! the pool ([`ThreadPool::install`]) and data-parallel helpers
//! ([`ThreadPool::map`], [`ThreadPool::map_vec`], [`ThreadPool::for_each_chunk_mut`]).
//! It does not depend on the async runtime; the runtime's `spawn_blocking` uses it.
//!
//! ```
//! use spindle_pool::ThreadPool;
//!
//! let pool = ThreadPool::new(2)?;
//! let handle = pool.spawn(|| (1..=10u64).product::<u64>());
//! let mut data = vec![1.0_f64; 1000];
//! pool.for_each_chunk_mut(&mut data, 100, |i, chunk| chunk.iter_mut().for_each(|x| *x *= i as f64));
//! assert_eq!(handle.join()?, 3_628_800);
//! assert_eq!(data[999], 9.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## How it works: the worker loop
//!
//! Each worker owns a double-ended queue (crossbeam-deque's `Worker`, after Chase and
//! Lev, "Dynamic Circular Work-Stealing Deque", SPAA 2005, with the weak-memory orderings
//! of Lê, Pop, Cohen and Zappa Nardelli, "Correct and Efficient Work-Stealing for Weak
//! Memory Models", PPoPP 2013). Jobs submitted from outside the pool go to one global
//! `Injector`; a job submitted *by a job* goes to its worker's own deque. Each worker
//! runs this loop (`worker.rs`):
//!
//! 1. **own deque**, newest first (LIFO): the job it just pushed, hot in cache; for
//!    `join` this means depth-first execution, as in rayon;
//! 2. **the injector**: steal a *batch* into its own deque and run the first one;
//! 3. **steal** the oldest job of a random peer (the biggest piece of a divide-and-conquer
//!    tree, so thieves rarely need to come back);
//! 4. nothing anywhere: *search* (spin over the queues) a few rounds, then **sleep**
//!    (`sleep.rs`). Whoever pushes a job checks the counts of searching and sleeping
//!    workers and wakes one only if someone sleeps and nobody searches: waking a thread
//!    costs ~20 µs here, as much as running ~100 small jobs. The protocol that makes this
//!    cheap *and* free of lost wakeups is written out in `docs/pool-sleep.md` and checked
//!    by loom models.
//!
//! A thread that *waits* inside the pool — a scope, a `join`, a `JobHandle::join` on a
//! worker — runs that same loop until what it waits for is done, so nested parallelism
//! on a fixed pool never deadlocks for want of threads (`wait.rs`). Any other thread
//! simply parks.
//!
//! Panics never kill a worker: a job's panic reaches its [`JobHandle`] or its scope, or,
//! for `execute` jobs, the panic handler; [`ThreadPool::stats`] counts them.
//!
//! ## Seeing the schedule: stats and traces
//! [`ThreadPool::stats`] gives, per thread, the jobs it ran, its busy time, its sleeps and
//! wakes, its steals and where its jobs came from (own deque, injector), as a printable
//! table. For the whole story — which thread ran which job, on which core, when, who
//! stole from whom, who slept and who woke them — trace the pool:
//!
//! ```
//! let recorder = spindle_pool::trace::Recorder::new();
//! let pool = spindle_pool::ThreadPool::builder().threads(2).trace(recorder.clone()).build()?;
//! pool.scope(|s| (0..100).for_each(|_| s.spawn(|| ())));
//! pool.shutdown();
//! let mut json = Vec::new();
//! recorder.snapshot().write_chrome_json(&mut json)?; // open in ui.perfetto.dev
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! or, without a code change, run any program with `SPINDLE_TRACE=trace.json`: every pool
//! it builds saves `trace.json` (Chrome trace) and `trace.svg` (a timeline) when it shuts
//! down. [`Builder::trace_to`] does the same for one pool. Tracing off costs one
//! predictable branch per job; the cargo feature `trace` (on by default) removes even
//! that, with the [`trace`] module and the builder methods. The recording format and the
//! pictures are the `spindle-trace` crate's, shared with the runtime, so a runtime's
//! blocking pool shows up in the runtime's own picture (`recording.rs`).
//! [`ThreadPool::shutdown`] (and `Drop`) refuses new jobs, finishes every queued one and
//! joins the threads.
//!
//! Two choices differ from rayon, each measured: `join` offers its second closure to
//! thieves only when the worker's own deque is empty or a worker sleeps (*lazy binary
//! splitting*, Tzannes et al., PPoPP 2010), so a join deep in a recursion costs a
//! function call instead of a push, a pop and a latch (`join.rs`); and the data-parallel
//! helpers cut their input into a fixed 4 pieces per thread instead of splitting
//! adaptively (`parallel.rs`).
//!
//! The design otherwise follows rayon-core (registry, worker loop, latches, sleep
//! module) with a smaller sleep protocol; the queues are crossbeam-deque's.
//!
//! ## Map of the source (one concept per file)
//! | file | role |
//! |---|---|
//! | `pool.rs` | `ThreadPool`: submission, shutdown |
//! | `builder.rs` | `Builder`, `BuildError`, starting the threads |
//! | `registry.rs` | state shared by the workers: injector, stealers, sleep, counters |
//! | `admission.rs` | the in-flight count and shutdown bit (loom model) |
//! | `capacity.rs` | the queue bound: slots and the wait list for room (loom model) |
//! | `backpressure.rs` | what `execute`/`spawn`/`try_*`/`spawn_async` do on a full queue |
//! | `worker.rs` | the worker loop: find work, run it, wait by helping |
//! | `sleep.rs` | the sleep/wake protocol (loom models) |
//! | `job.rs` | a job: one boxed closure |
//! | `spawn.rs` | the job behind `spawn`: closure + result cell in one allocation |
//! | `completion.rs` | result hand-off to a `JobHandle` (loom models) |
//! | `handle.rs` | `JobHandle`, `JobError` |
//! | `latch.rs` | count latch for scopes and joins (loom model) |
//! | `wait.rs` | how a thread waits: help (worker) or park (others) |
//! | `erase.rs` | lifetime erasure for borrowed jobs — `unsafe`, with its SAFETY argument |
//! | `scope.rs` | `Scope::spawn` and `ThreadPool::scope` |
//! | `install.rs` | `ThreadPool::install`: move an operation onto a worker, block until done |
//! | `join.rs` | `ThreadPool::join` |
//! | `parallel.rs` | `map`, `map_vec`, `for_each_chunk_mut` |
//! | `collect.rs` | writing parallel results straight into the output `Vec` — `unsafe` (one `set_len`) |
//! | `stats.rs` | per-thread counters, busy time, `PoolStats` and its table |
//! | `recording.rs` | tracing: a lane per thread, job ids, saving the pool's own trace |
//! | `affinity.rs` | `current_cpu`, pinning (libc) |
//! | `loom.rs` | the std/loom shim |
//!
//! ## `unsafe`
//! The crate is `#![deny(unsafe_code)]`, not `forbid`: three small modules are allowed
//! `unsafe`, each for a reason a benchmark or the language forces.
//! `erase.rs` erases the lifetime of scoped jobs (`scope`, `join`, and the helpers built
//! on them) — something no safe API can express; rayon and `std::thread::scope` do the
//! same. Its safe interface waits for every erased job before the borrowed data can go
//! away; the module header gives the full SAFETY argument. `collect.rs` sets the length
//! of `map`'s output after proving every slot was written (collecting piecewise and
//! concatenating measured 2x slower than rayon on a 10,000,000-element map), and asks
//! the kernel for huge pages for large outputs (`madvise`, a hint; it halved that map's
//! time, which page faults dominate).
//! `affinity.rs` makes three libc
//! calls (`sched_getcpu`, `sched_getaffinity`, `sched_setaffinity`), each on memory it
//! owns. Everything else — queues, sleep, latches, handles — is safe code.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod admission;
pub mod affinity;
mod backpressure;
mod builder;
mod capacity;
mod collect;
mod completion;
mod erase;
mod handle;
mod install;
mod job;
mod join;
mod latch;
mod loom;
mod parallel;
mod pool;
#[cfg(feature = "trace")]
mod recording;
mod registry;
mod scope;
mod sleep;
mod spawn;
mod stats;
mod wait;
mod worker;

pub use affinity::current_cpu;
pub use backpressure::{Full, SpawnAsync};
pub use builder::{BuildError, Builder};
pub use erase::Scope;
pub use handle::{JobError, JobHandle};
pub use pool::{Rejected, ThreadPool};
pub use stats::{PoolStats, ThreadStats};

/// The old name of [`ThreadStats`], renamed so that it is not confused with the async
/// runtime's `spindle::runtime::WorkerStats` (per-worker task counters).
#[deprecated(note = "renamed `ThreadStats` (the runtime's `WorkerStats` is a different type)")]
pub type WorkerStats = ThreadStats;

/// Event recording and the timeline pictures: the `spindle-trace` crate, which the
/// runtime records into too (see [`Builder::trace`]). Present with the cargo feature
/// `trace` (on by default).
#[cfg(feature = "trace")]
pub mod trace {
    pub use spindle_trace::*;
}

/// `ThreadPool` is shared across threads (the runtime keeps one for `spawn_blocking`),
/// and a `JobHandle` can be sent to the task that awaits it.
#[allow(dead_code)]
fn _assert_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    fn unpin<T: Unpin>() {}
    send_sync::<ThreadPool>();
    send::<JobHandle<Vec<u8>>>();
    unpin::<JobHandle<Vec<u8>>>();
    send_sync::<PoolStats>();
}
