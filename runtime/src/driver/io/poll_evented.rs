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

use super::{Direction, IoShared, ReadyEvent, Registered};
use crate::coop;

/// A mio source registered with a driver.
#[derive(Debug)]
pub(crate) struct PollEvented<S: mio::event::Source> {
    /// `None` only after `into_inner` took it (then `drop` has nothing to deregister).
    source: Option<S>,
    pub(super) registered: Registered,
    driver: Arc<IoShared>,
    /// The source's descriptor, for the task dump's "read on local <- peer" (wait.rs).
    fd: i32,
}

impl<S: mio::event::Source> PollEvented<S> {
    /// Registers `source` with `driver` for `interest`.
    pub(crate) fn new(
        driver: &Arc<IoShared>,
        mut source: S,
        interest: mio::Interest,
    ) -> io::Result<Self>
    where
        S: std::os::fd::AsRawFd,
    {
        let registered = driver.register(&mut source, interest)?;
        Ok(PollEvented {
            fd: source.as_raw_fd(),
            source: Some(source),
            registered,
            driver: driver.clone(),
        })
    }

    /// Records in the task's wait slot that it waits on this source (`Pending` paths).
    fn note_wait(&self, direction: Direction) {
        crate::wait::set(match direction {
            Direction::Read => crate::wait::Wait::Read(self.fd),
            Direction::Write => crate::wait::Wait::Write(self.fd),
        });
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
        let ready = self.registered.io.poll_ready(cx, direction).map_ok(|_| ());
        if ready.is_pending() {
            self.note_wait(direction);
        }
        ready
    }

    /// Waits until the source may be ready in `direction` and returns what was seen,
    /// for callers that clear it themselves ([`PollEvented::clear_readiness`]), as
    /// `AsyncFd`'s guards do.
    pub(crate) fn poll_ready_event(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.registered.io.poll_ready(cx, direction)
    }

    /// Forgets the readiness in `event` (an operation found the source not ready after
    /// all), unless a newer driver turn has reported the source since.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.registered.io.clear_readiness(event);
    }

    /// Tries `op` once, without waiting: `WouldBlock` at once if the driver has not
    /// reported the source ready in `direction`; if `op` itself says `WouldBlock`, the
    /// readiness it disproved is cleared (so a later `poll_ready` waits for the next
    /// event instead of returning at once forever). The `try_read` / `try_write` path.
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        let event = match self.registered.io.ready_now(direction) {
            Some(event) => event?,
            None => return Err(io::ErrorKind::WouldBlock.into()),
        };
        let result = op(self.source());
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.registered.io.clear_readiness(event);
        }
        result
    }

    /// Deregisters the source and gives it back (for `AsyncFd::into_inner`).
    pub(crate) fn into_inner(mut self) -> S {
        let mut source = self
            .source
            .take()
            .expect("PollEvented used after into_inner");
        // As in `drop`: an error means epoll is gone, and the source with it.
        let _ = self.driver.deregister(&mut source, &self.registered);
        source
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
            let Poll::Ready(event) = self.registered.io.poll_ready(cx, direction) else {
                self.note_wait(direction);
                return Poll::Pending;
            };
            let event = event?;
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
