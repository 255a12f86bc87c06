//! Blocking the current thread on a future: the loop behind `Runtime::block_on` on a
//! multi-thread runtime and behind `Handle::block_on`.
//!
//! Each thread keeps one cached parker and one waker built on it (a thread-local), so a
//! `block_on` allocates nothing. The waker's `wake` is the parker's `unpark`; the loop
//! polls the future, and parks whenever it returns `Pending`. A spurious return from
//! `park` only costs one extra poll.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::{Parker, Unparker};

struct ThreadWaker(Unparker);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

struct CachedParker {
    parker: Parker,
    waker: Waker,
}

thread_local! {
    static CACHED: CachedParker = {
        let parker = Parker::new();
        let waker = Waker::from(Arc::new(ThreadWaker(parker.unparker())));
        CachedParker { parker, waker }
    };
}

/// Polls `fut` on this thread until it is ready, parking in between.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    CACHED.with(|c| {
        let mut cx = Context::from_waker(&c.waker);
        loop {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
            c.parker.park();
        }
    })
}
