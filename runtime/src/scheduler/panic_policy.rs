//! [`UnhandledPanic`]: what the runtime does when a task panics (tokio's knob of the
//! same name).
//!
//! A task's panic is caught in the task harness and becomes the task's
//! `JoinError::panic`, whether or not a `JoinHandle` is still held. With
//! [`UnhandledPanic::Ignore`] (the default) that is all. With
//! [`UnhandledPanic::ShutdownRuntime`] the harness also reports the panic here
//! ([`PanicPolicy::task_panicked`]), and the runtime shuts down:
//!
//! 1. the first panic is recorded (task id and message); later ones are ignored;
//! 2. every `block_on` of the runtime, on both flavours, checks the record before each
//!    poll of its future, and the report wakes the waiting `block_on`s;
//! 3. a `block_on` that finds the record cancels every task of the runtime (the same
//!    drain as `Runtime`'s drop: each future is dropped exactly once) and panics with a
//!    message naming the task.
//!
//! States: `clear` → `tripped` (one way, set once by the first panic).
//! `LocalSet` tasks report to the runtime whose context their thread is in
//! (`scheduler/local.rs`); their own futures are dropped with the set. Not covered, as
//! in tokio: panics in `spawn_blocking` closures (they only reach their `JoinHandle`).

use crate::task::Id;
use crate::task::error::panic_message;
use std::any::Any;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Waker;

/// What the runtime does when a spawned task panics (see
/// [`Builder::unhandled_panic`](crate::runtime::Builder::unhandled_panic)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// The panic only becomes the task's `JoinError` (the default).
    #[default]
    Ignore,
    /// The runtime shuts down: `block_on` panics naming the task, and every other task
    /// is cancelled.
    ShutdownRuntime,
}

/// The runtime's record of the first task panic under `ShutdownRuntime` (module header).
pub(crate) struct PanicPolicy {
    policy: UnhandledPanic,
    tripped: AtomicBool,
    /// The first panic, as the message `block_on` panics with.
    first: Mutex<Option<String>>,
    /// The `block_on`s waiting on this runtime, woken when the policy trips.
    waiters: Mutex<Vec<Waker>>,
}

impl PanicPolicy {
    pub(crate) fn new(policy: UnhandledPanic) -> PanicPolicy {
        PanicPolicy {
            policy,
            tripped: AtomicBool::new(false),
            first: Mutex::new(None),
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// Task `id` panicked with `payload` (called by the task harness, once per panic).
    pub(crate) fn task_panicked(&self, id: Id, payload: &(dyn Any + Send)) {
        if self.policy != UnhandledPanic::ShutdownRuntime {
            return;
        }
        {
            let mut first = self.first.lock().unwrap_or_else(|p| p.into_inner());
            if first.is_some() {
                return;
            }
            let msg = panic_message(payload).unwrap_or("a non-string payload");
            *first = Some(format!(
                "task {id} panicked and the runtime is configured with \
                 UnhandledPanic::ShutdownRuntime: {msg}"
            ));
        }
        self.tripped.store(true, Ordering::Release);
        let waiters = std::mem::take(&mut *self.waiters.lock().unwrap_or_else(|p| p.into_inner()));
        waiters.into_iter().for_each(Waker::wake);
    }

    /// The message to panic with if the policy has tripped; else registers `waker` to be
    /// woken when it does. Cheap when the policy is `Ignore` (one branch).
    pub(crate) fn check(&self, waker: &Waker) -> Option<String> {
        if self.policy != UnhandledPanic::ShutdownRuntime {
            return None;
        }
        if !self.tripped.load(Ordering::Acquire) {
            let mut waiters = self.waiters.lock().unwrap_or_else(|p| p.into_inner());
            // Re-check under the lock: `task_panicked` sets the flag before it takes the
            // waiters, so either it sees our waker or we see the flag.
            if !self.tripped.load(Ordering::Acquire) {
                if !waiters.iter().any(|w| w.will_wake(waker)) {
                    waiters.push(waker.clone());
                }
                return None;
            }
        }
        self.first.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
