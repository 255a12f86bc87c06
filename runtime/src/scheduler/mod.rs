//! The schedulers: who runs which task, on which thread, in which order.
//!
//! - [`current_thread`]: every task runs on the thread inside `block_on`.
//! - [`multi_thread`]: N workers with local queues, a LIFO slot, a shared injector,
//!   work stealing and an idle/parking protocol.
//!
//! Both implement [`Schedule`](crate::task::Schedule) on their shared state, so a task
//! cell stores a plain `Arc` of its scheduler and a wake calls it without dynamic
//! dispatch. [`Handle`] is the enum the public `runtime::Handle` wraps, and the one
//! place that names both flavours: building one ([`Handle::build`]), spawning,
//! `block_on`, shutdown, stats and the shared [`common::Common`] each `match` on it here
//! and nowhere else, so a new flavour adds a variant and its arms in this file, and
//! implements [`common::Flavor`] for its shared state.

pub(crate) mod blocking;
pub(crate) mod common;
pub(crate) mod config;
pub(crate) mod context;
pub(crate) mod counters;
pub(crate) mod current_thread;
pub(crate) mod local;
pub(crate) mod multi_thread;
pub(crate) mod panic_policy;
pub(crate) mod remote;
pub(crate) mod rng;
pub(crate) mod scheduled;
pub(crate) mod stats;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::driver::{Driver, DriverSlot};
use crate::task::JoinHandle;
use crate::trace::session::Session;
use blocking::BlockingPool;
use config::Config;
use stats::RuntimeStats;

/// Which scheduler to build (chosen by `runtime::Builder`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Every task runs on the thread inside `block_on`.
    CurrentThread,
    /// This many worker threads.
    MultiThread { workers: usize },
}

/// The threads a runtime owns besides its callers': a multi-thread runtime's workers
/// (none for a current-thread runtime). Taken by [`Handle::shutdown`], which joins them.
pub(crate) struct Threads(Option<multi_thread::Workers>);

/// A reference to one runtime's scheduler.
#[derive(Clone)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Shared>),
    MultiThread(Arc<multi_thread::Shared>),
}

impl Handle {
    /// Builds a scheduler of `kind` with its own I/O and time driver and tracing session,
    /// and starts its threads (a failure to start one stops those already started).
    pub(crate) fn build(kind: Kind, config: Config) -> io::Result<(Handle, Threads)> {
        let trace = Session::new(&config.trace)?;
        Ok(match kind {
            Kind::CurrentThread => {
                // Only this flavour's clock may be paused (see `driver/time/clock.rs`).
                let driver = DriverSlot::new(Driver::with_clock(true, config.start_paused)?);
                let shared = current_thread::Shared::new(config, driver, trace);
                (Handle::CurrentThread(shared), Threads(None))
            }
            Kind::MultiThread { workers } => {
                let driver = DriverSlot::new(Driver::with_clock(false, false)?);
                let (shared, seeds) = multi_thread::Shared::new(config, workers, driver, trace);
                let threads = multi_thread::launch(&shared, seeds)?;
                (Handle::MultiThread(shared), Threads(Some(threads)))
            }
        })
    }

    /// Runs `future` to completion on this thread, which the caller has entered into
    /// this runtime's context. On a current-thread runtime this thread drives the tasks
    /// (unless another thread already does); on a multi-thread one it only waits.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        // `Builder::unhandled_panic(ShutdownRuntime)`: before each poll of `future`,
        // check whether a task panicked (`panic_policy.rs`); the report wakes us.
        let common = self.common();
        let mut future = std::pin::pin!(future);
        let future = std::future::poll_fn(|cx| {
            if let Some(msg) = common.panic_policy.check(cx.waker()) {
                // Shut down: cancel every task (the drain `Runtime`'s drop also runs;
                // it is idempotent), then fail the caller.
                common.owned.close_and_shutdown_all();
                panic!("{msg}");
            }
            future.as_mut().poll(cx)
        });
        match self {
            Handle::CurrentThread(shared) => shared.block_on(future),
            Handle::MultiThread(_) => crate::park::block_on(future),
        }
    }

    /// Steps 1-3 of the runtime's shutdown (`runtime/mod.rs` lists them): stop the
    /// threads that run tasks (waiting at most `timeout` for each), cancel every task,
    /// drain the queues. The caller has made this runtime its thread's current one.
    pub(crate) fn shutdown(&self, threads: &mut Threads, timeout: Option<Duration>) {
        match self {
            Handle::CurrentThread(shared) => shared.shutdown(),
            Handle::MultiThread(shared) => {
                let Some(workers) = threads.0.take() else {
                    return;
                };
                shared.begin_shutdown();
                // On one of our own workers (the runtime was moved into a task), joining
                // would wait for ourselves: let the workers exit on their own.
                let own_worker = context::with_current(|h| h.ptr_eq(self)) == Some(true)
                    && context::is_entered();
                if !own_worker {
                    workers.join(timeout);
                }
                shared.finish_shutdown();
            }
        }
    }

    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_from(context::local(), future)
    }

    /// `spawn` from a thread whose context the caller has already looked up
    /// (`spindle::spawn` reads the handle and `local` in one lookup).
    #[inline]
    pub(crate) fn spawn_from<F>(&self, local: context::Local, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::CurrentThread(s) => current_thread::Shared::spawn(s, local, future),
            Handle::MultiThread(s) => multi_thread::Shared::spawn(s, local, future),
        }
    }

    /// Runs `f` on the blocking pool; the returned handle is a task awaiting the job.
    pub(crate) fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.blocking().spawn(self, f)
    }

    /// What both flavours share (`common.rs`): the one `match` behind the accessors below.
    pub(crate) fn common(&self) -> &common::Common {
        match self {
            Handle::CurrentThread(s) => &s.common,
            Handle::MultiThread(s) => &s.common,
        }
    }

    fn blocking(&self) -> &BlockingPool {
        &self.common().blocking
    }

    /// Shuts the blocking pool down (see `BlockingPool::shutdown`).
    pub(crate) fn shutdown_blocking(&self, timeout: Option<std::time::Duration>) {
        self.blocking().shutdown(timeout);
    }

    pub(crate) fn stats(&self) -> RuntimeStats {
        match self {
            Handle::CurrentThread(s) => s.stats(),
            Handle::MultiThread(s) => s.stats(),
        }
    }

    /// The drivers' shared halves, which sockets and timers created on this runtime use.
    pub(crate) fn driver(&self) -> &crate::driver::DriverHandle {
        self.common().driver.handle()
    }

    /// Gives task `id` a name in the trace (nothing when the runtime is not traced).
    pub(crate) fn name_task(&self, id: crate::task::Id, name: &str) {
        self.trace().name_task(id, name);
    }

    /// The runtime's tracing session.
    pub(crate) fn trace(&self) -> &crate::trace::session::Session {
        &self.common().trace
    }

    /// Same runtime?
    pub(crate) fn ptr_eq(&self, other: &Handle) -> bool {
        std::ptr::eq(self.common(), other.common())
    }
}
