//! Waiting for a sync primitive from plain, non-async code.
//!
//! The `blocking_*` methods (`mpsc::Receiver::blocking_recv`, `Mutex::blocking_lock`, …)
//! bridge threads that are not tasks, such as a `spawn_blocking` job or a thread of the
//! fixed pool, to async code. They run the primitive's future to completion on the
//! calling thread with [`block_on`]: a waker that unparks this thread, and `park` between
//! polls (the executor of the `std::task::Wake` docs).
//!
//! Never call them from inside an async task: they block the worker thread, and if the
//! task that would wake them runs on the same worker, they block it forever. (tokio
//! detects that case and panics; spindle's runtime does not yet expose a "current task"
//! flag to detect it.)

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Wakes the blocked thread.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on the current thread, parking while it is pending.
///
/// A spurious unpark (or a token left from an earlier wake) only costs an extra poll,
/// so no flag is needed beside `park`.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}
