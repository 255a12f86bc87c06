//! A tiny executor for the sync primitives' unit tests.
//!
//! The primitives only use `std::task::Waker`, so they do not need spindle's scheduler to
//! be tested: [`block_on`] parks the calling thread until the future's waker unparks it
//! (the classic thread-park executor, as in the `std::task::Wake` docs; it is the one
//! the `blocking_*` methods use), and concurrency comes from plain `std::thread`s, each
//! running its own `block_on`.
//! [`CountingWaker`] counts wakes, so tests can assert that a primitive wakes exactly
//! the tasks it should, exactly once.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

/// The thread-park executor the `blocking_*` methods use (see `sync/blocking.rs`).
pub(crate) use super::blocking::block_on;

/// A waker that counts how often it was woken.
#[derive(Default)]
pub(crate) struct CountingWaker {
    wakes: AtomicUsize,
}

impl CountingWaker {
    /// A new counter and a `Waker` that bumps it.
    pub(crate) fn new() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    /// How many times the waker was woken so far.
    pub(crate) fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `future` once with `waker`.
pub(crate) fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    std::pin::Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// Scales a stress-test iteration count down under Miri, which is ~1000x slower.
pub(crate) const fn iterations(normal: usize) -> usize {
    if cfg!(miri) { normal / 100 + 1 } else { normal }
}
