//! [`Config`]: the settings a scheduler and its threads run with, as the public
//! `runtime::Builder` collected them (names, hooks, pool size, stack size, pinning, tracing,
//! the scheduling seed).

use std::sync::Arc;

use crate::trace::session::TraceConfig;

/// A thread hook (`on_thread_start`, `on_thread_stop`).
pub(crate) type Hook = Arc<dyn Fn() + Send + Sync + 'static>;

/// Settings shared by the scheduler and its threads.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) thread_name: Arc<dyn Fn(usize) -> String + Send + Sync + 'static>,
    pub(crate) on_thread_start: Option<Hook>,
    pub(crate) on_thread_stop: Option<Hook>,
    pub(crate) blocking_threads: usize,
    /// `thread_stack_size`: of worker and blocking-pool threads (None: the platform's).
    pub(crate) thread_stack_size: Option<usize>,
    /// `pin_workers(true)`: worker i is pinned to `cores[i % cores.len()]`.
    pub(crate) pin_cores: Option<Arc<[usize]>>,
    /// `trace` / `trace_to` (with `SPINDLE_TRACE`, decided in `trace::session`).
    pub(crate) trace: TraceConfig,
    /// `unhandled_panic`: what a task panic does to the runtime.
    pub(crate) unhandled_panic: super::panic_policy::UnhandledPanic,
    /// `rng_seed(s)`: every scheduling choice is drawn from a generator seeded with `s`
    /// (`scheduler/rng.rs`); `None`: the usual fast, unseeded choices.
    pub(crate) rng_seed: Option<u64>,
    /// `start_paused(true)`: the clock starts paused (current-thread only; `build`
    /// refuses it elsewhere).
    pub(crate) start_paused: bool,
}
