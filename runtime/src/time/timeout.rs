//! `timeout`: run a future, but give up at a deadline.
//!
//! The inner future is polled first on every poll, so a future that is ready at once
//! wins even against a zero timeout, and no timer is ever registered for it (the
//! `Sleep` registers lazily). Then the deadline is checked without spending the
//! cooperative budget: the inner future may have spent it all, and the deadline must
//! still be seen.
//!
//! When the deadline wins, [`Timeout`] returns `Err(Elapsed)`; the inner future is
//! dropped when the `Timeout` is (at once, in the usual `timeout(d, f).await`).

use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;
use super::sleep::Sleep;

/// Runs `future` for at most `duration`.
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: Sleep::after(duration),
    }
}

/// Runs `future` until `deadline` at the latest.
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: Sleep::new(deadline.into_std()),
    }
}

/// The deadline of a [`timeout`] passed before its future completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> std::io::Error {
        std::io::ErrorKind::TimedOut.into()
    }
}

/// The future returned by [`timeout`] and [`timeout_at`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Timeout<F> {
    future: F,
    sleep: Sleep,
}

impl<F> Timeout<F> {
    /// The wrapped future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// Unwraps the future, dropping the timer.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of `future`: it is never moved out of a pinned
        // `Timeout` (`into_inner` takes `self` by value, which needs `Timeout: Unpin`
        // or an unpinned value), `Timeout` has no `Drop` impl that could move it, and
        // `Unpin` for `Timeout` is derived from `F: Unpin` (`Sleep` is `Unpin`).
        // `sleep` is not structurally pinned: it is only used through `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above; `this.future` stays where it is.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(output) = future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        this.sleep.poll_deadline(cx).map(|()| Err(Elapsed(())))
    }
}
