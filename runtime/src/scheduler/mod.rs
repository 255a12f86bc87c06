//! The schedulers: who runs which task, on which thread, in which order.
//!
//! - [`current_thread`]: every task runs on the thread inside `block_on`.
//! - [`multi_thread`]: N workers with local queues, a LIFO slot, a shared injector,
//!   work stealing and an idle/parking protocol.
//!
//! Both implement [`Schedule`](crate::task::Schedule) on their shared state, so a task
//! cell stores a plain `Arc` of its scheduler and a wake calls it without dynamic
//! dispatch. [`Handle`] is the enum the public `runtime::Handle` wraps.

pub(crate) mod blocking;
pub(crate) mod common;
pub(crate) mod config;
pub(crate) mod context;
pub(crate) mod counters;
pub(crate) mod current_thread;
pub(crate) mod local;
pub(crate) mod multi_thread;
pub(crate) mod remote;
pub(crate) mod rng;
pub(crate) mod scheduled;
pub(crate) mod stats;

use std::future::Future;
use std::sync::Arc;

use crate::task::JoinHandle;
use blocking::BlockingPool;
use stats::RuntimeStats;

/// A reference to one runtime's scheduler.
#[derive(Clone)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Shared>),
    MultiThread(Arc<multi_thread::Shared>),
}

impl Handle {
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
