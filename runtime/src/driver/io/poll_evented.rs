//! `PollEvented`: a mio source together with its registration, and the retry loop every
//! socket operation goes through.
//!
//! ## The loop (`poll_io`)
//! 1. Spend a unit of the cooperative budget (`coop.rs`): a task that always finds its
//!    socket ready — an accept loop that keeps failing with EMFILE, a stream with data
//!    always buffered — still yields to its neighbours now and then.
//! 2. Wait for readiness in the operation's direction (`ScheduledIo::poll_ready`).
//! 3. Try the operation. `WouldBlock` means the readiness was stale: clear it (only if no
//!    newer event came, see `scheduled_io.rs`) and go back to 2, which now either finds
//!    a newer event or stores the waker and returns `Pending`. Any other result, success
//!    or error, is the answer.
//!
//! Dropping a `PollEvented` deregisters the source from epoll before the source closes,
//! so the descriptor number can be reused safely.

use std::io;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use super::{Direction, IoShared, Registered};
use crate::coop;

/// A mio source registered with a driver.
#[derive(Debug)]
pub(crate) struct PollEvented<S: mio::event::Source> {
    /// `None` only after `into_inner` took it (then `drop` has nothing to deregister).
    source: Option<S>,
    pub(super) registered: Registered,
    driver: Arc<IoShared>,
}

impl<S: mio::event::Source> PollEvented<S> {
    /// Registers `source` with `driver` for `interest`.
    pub(crate) fn new(
        driver: &Arc<IoShared>,
        mut source: S,
        interest: mio::Interest,
    ) -> io::Result<Self> {
        let registered = driver.register(&mut source, interest)?;
        Ok(PollEvented {
            source: Some(source),
            registered,
            driver: driver.clone(),
        })
    }

    /// The mio source.
    pub(crate) fn source(&self) -> &S {
        self.source
            .as_ref()
            .expect("PollEvented used after into_inner")
    }

    /// Waits until the source may be ready in `direction` (for `readable().await`-style
    /// APIs that do their own non-blocking call afterwards).
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<()>> {
        self.registered.io.poll_ready(cx, direction).map_ok(|_| ())
    }

    /// Runs the non-blocking operation `op` until it stops saying `WouldBlock`; see the
    /// module header.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let mut budget = ready!(coop::poll_proceed(cx));
        loop {
            let event = ready!(self.registered.io.poll_ready(cx, direction))?;
            match op(self.source()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.registered.io.clear_readiness(event);
                }
                result => {
                    budget.made_progress();
                    return Poll::Ready(result);
                }
            }
        }
    }
}

impl<S: mio::event::Source> Drop for PollEvented<S> {
    fn drop(&mut self) {
        if let Some(mut source) = self.source.take() {
            // Errors here (the runtime already closed epoll) leave nothing to undo.
            let _ = self.driver.deregister(&mut source, &self.registered);
        }
    }
}
