//! Helpers shared by the integration tests in `tests/tests/`: futures and guards that
//! count polls, wakes and drops, so tests assert real behaviour, the [`watchdog`] that
//! bounds the fault tests in time, [`child_process`] for faults that need a process of
//! their own, and [`descriptors`] for the EMFILE tests.

pub mod child_process;
pub mod descriptors;
pub mod watchdog;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use spindle::Runtime;
use spindle::runtime::Builder;

/// A current-thread runtime and a two-worker multi-thread runtime.
pub fn both_flavours() -> Vec<Runtime> {
    vec![
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ]
}

/// A multi-thread runtime with one worker (deterministic order of a single queue).
pub fn one_worker() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap()
}

/// Increments a counter when dropped.
pub struct DropCounter(pub Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A future that never completes: counts its polls and keeps its latest waker.
pub struct Pending {
    /// Polls so far.
    pub polls: Arc<AtomicUsize>,
    /// The waker of the latest poll.
    pub waker: Arc<Mutex<Option<Waker>>>,
}

impl Pending {
    /// A new never-ready future with fresh counters.
    pub fn new() -> Pending {
        Pending {
            polls: Arc::default(),
            waker: Arc::default(),
        }
    }
}

impl Default for Pending {
    fn default() -> Self {
        Pending::new()
    }
}

impl Future for Pending {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Waker first: a test that sees the poll count go up may take the waker at once.
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        self.polls.fetch_add(1, SeqCst);
        Poll::Pending
    }
}

/// Polls a future once with a no-op waker.
pub fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// The message of a caught panic.
pub fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}
