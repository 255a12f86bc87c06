//! [`AsyncFd`]: the I/O driver's readiness for a file descriptor spindle did not open.
//!
//! A crate with its own non-blocking descriptor (a pipe, a tty, an inotify or netlink
//! socket, a C library's fd) needs only to know *when* to try its call again. `AsyncFd`
//! registers the descriptor with the runtime's epoll, edge-triggered like spindle's own
//! sockets, and hands out readiness as guards:
//!
//! ```text
//! loop:
//!     guard = fd.readable().await      // the driver reported the fd readable
//!     match guard.try_io(|fd| read(fd))
//!         Ok(result)       -> done: data, end of file or a real error
//!         Err(TryIoError)  -> the call said WouldBlock: try_io cleared the
//!                             readiness, so the next readable() waits for a new event
//! ```
//!
//! States of one direction's readiness (the source's `ScheduledIo`, see
//! `driver/io/scheduled_io.rs`): *not ready* -> (driver event) -> *ready* -> (a guard's
//! `clear_ready`, or `try_io` seeing `WouldBlock`) -> *not ready*. A clear is skipped when
//! a newer event arrived since the guard was made, so an edge that landed between the
//! failed call and the clear is not lost. Dropping a guard without clearing keeps the
//! readiness: the next `readable()` returns at once (that is how a caller says "I did
//! not drain it").
//!
//! Invariants: the descriptor leaves epoll before `T` is dropped (field order, and
//! `into_inner` deregisters first), so a reused descriptor number never gets this
//! registration's events. The descriptor must be in non-blocking mode; a blocking call
//! would stall the worker. The shape (names and guards) is tokio's `AsyncFd`, so code
//! written for it ports by changing the import.

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::task::{Context, Poll, ready};

use crate::coop;
use crate::driver::io::{Direction, PollEvented, ReadyEvent};
use crate::io::Interest;

/// A descriptor `T` registered with the runtime's I/O driver (module header).
pub struct AsyncFd<T: AsRawFd> {
    // Declared first, so dropped first: deregistered while `inner` still holds the fd.
    io: PollEvented<FdSource>,
    inner: T,
}

/// The mio source for a raw descriptor: mio's `SourceFd` borrows, this owns the number
/// (not the descriptor: `AsyncFd::inner` does).
#[derive(Debug)]
struct FdSource(RawFd);

/// The number, for the task dump's wait slot (`PollEvented::new` records it).
impl std::os::fd::AsRawFd for FdSource {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

impl mio::event::Source for FdSource {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.0).deregister(registry)
    }
}

/// The wait ended in `WouldBlock` after all: [`AsyncFdReadyGuard::try_io`] cleared the
/// readiness, wait again.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block: wait for readiness again")
    }
}

impl std::error::Error for TryIoError {}

/// Readiness of an [`AsyncFd`] in one direction, from `readable()` / `writable()`.
#[must_use = "readiness is only used through the guard (try_io or clear_ready)"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// As [`AsyncFdReadyGuard`], with mutable access to the inner value.
#[must_use = "readiness is only used through the guard (try_io or clear_ready)"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor for reading and writing.
    ///
    /// # Errors
    /// What `epoll_ctl` says: `PermissionDenied` for a regular file or a directory
    /// (epoll does not watch those: they are always ready), `AlreadyExists` if this
    /// descriptor is registered already.
    ///
    /// # Panics
    /// Outside a spindle runtime (the message says how to fix it).
    #[track_caller]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        AsyncFd::with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `inner`'s descriptor for `interest` only.
    #[track_caller]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        let driver = crate::driver::handle::current("spindle::io::unix::AsyncFd").io;
        let io = PollEvented::new(&driver, FdSource(inner.as_raw_fd()), interest.to_mio())?;
        Ok(AsyncFd { io, inner })
    }

    /// The wrapped value.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped value, mutably (do not swap its descriptor for another: the
    /// registration is for the old number).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Deregisters the descriptor and gives the value back.
    pub fn into_inner(self) -> T {
        let AsyncFd { io, inner } = self;
        let _number_only: FdSource = io.into_inner();
        inner
    }

    /// The coop budget, then readiness in `direction` (the shared body of the polls).
    fn poll_event(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        let mut budget = ready!(coop::poll_proceed(cx));
        let event = ready!(self.io.poll_ready_event(cx, direction))?;
        budget.made_progress();
        Poll::Ready(Ok(event))
    }

    /// Readiness in `direction` as a shared guard.
    fn poll_guard(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'_, T>>> {
        let event = ready!(self.poll_event(cx, direction))?;
        Poll::Ready(Ok(AsyncFdReadyGuard {
            fd: self,
            event: Some(event),
        }))
    }

    /// Readiness in `direction` as a mutable guard.
    fn poll_guard_mut(
        &mut self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'_, T>>> {
        let event = ready!(self.poll_event(cx, direction))?;
        Poll::Ready(Ok(self.mut_guard(event)))
    }

    /// Polls for read readiness; the guard says how it was used. Only the latest task
    /// to poll a direction is woken (use `readable()` to wait from several).
    pub fn poll_read_ready(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'_, T>>> {
        self.poll_guard(cx, Direction::Read)
    }

    /// Polls for write readiness.
    pub fn poll_write_ready(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'_, T>>> {
        self.poll_guard(cx, Direction::Write)
    }

    /// Polls for read readiness, with a guard that lends the value mutably.
    pub fn poll_read_ready_mut(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'_, T>>> {
        self.poll_guard_mut(cx, Direction::Read)
    }

    /// Polls for write readiness, with a guard that lends the value mutably.
    pub fn poll_write_ready_mut(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'_, T>>> {
        self.poll_guard_mut(cx, Direction::Write)
    }

    /// Waits until the descriptor may be readable.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        std::future::poll_fn(move |cx| self.poll_guard(cx, Direction::Read)).await
    }

    /// Waits until the descriptor may be writable.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        std::future::poll_fn(move |cx| self.poll_guard(cx, Direction::Write)).await
    }

    /// Waits until the descriptor may be readable; the guard lends the value mutably.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = std::future::poll_fn(|cx| self.poll_event(cx, Direction::Read)).await?;
        Ok(self.mut_guard(event))
    }

    /// Waits until the descriptor may be writable; the guard lends the value mutably.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = std::future::poll_fn(|cx| self.poll_event(cx, Direction::Write)).await?;
        Ok(self.mut_guard(event))
    }

    /// A guard's `clear_ready`: forgets the readiness in `event`, once.
    fn clear(&self, event: &mut Option<ReadyEvent>) {
        if let Some(event) = event.take() {
            self.io.clear_readiness(event);
        }
    }

    fn mut_guard(&mut self, event: ReadyEvent) -> AsyncFdReadyMutGuard<'_, T> {
        AsyncFdReadyMutGuard {
            fd: self,
            event: Some(event),
        }
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .finish()
    }
}

/// `Err(TryIoError)` and the readiness cleared if `result` is `WouldBlock`.
fn would_block_clears<R>(
    result: io::Result<R>,
    clear: impl FnOnce(),
) -> Result<io::Result<R>, TryIoError> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            clear();
            Err(TryIoError(()))
        }
        result => Ok(result),
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    /// Forgets this readiness: the next wait waits for a new driver event. Call it after
    /// the descriptor's call said `WouldBlock` (or use [`try_io`](Self::try_io)).
    pub fn clear_ready(&mut self) {
        self.fd.clear(&mut self.event);
    }

    /// Keeps the readiness (what dropping the guard does as well).
    pub fn retain_ready(&mut self) {}

    /// Runs `f`, the non-blocking call; if it says `WouldBlock`, clears the readiness and
    /// returns `Err(TryIoError)`: wait again. Any other result is `Ok(result)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let fd = self.fd;
        would_block_clears(f(fd), || self.clear_ready())
    }

    /// The `AsyncFd` this guard is for.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// The wrapped value.
    pub fn get_inner(&self) -> &'a T {
        self.fd.get_ref()
    }
}

impl<T: AsRawFd> AsyncFdReadyMutGuard<'_, T> {
    /// Forgets this readiness (see [`AsyncFdReadyGuard::clear_ready`]).
    pub fn clear_ready(&mut self) {
        self.fd.clear(&mut self.event);
    }

    /// Keeps the readiness (what dropping the guard does as well).
    pub fn retain_ready(&mut self) {}

    /// Runs `f` with the `AsyncFd` lent mutably; see [`AsyncFdReadyGuard::try_io`].
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.fd);
        would_block_clears(result, || self.clear_ready())
    }

    /// The `AsyncFd` this guard is for.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.fd
    }

    /// The `AsyncFd`, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.fd
    }

    /// The wrapped value.
    pub fn get_inner(&self) -> &T {
        self.fd.get_ref()
    }

    /// The wrapped value, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.fd.get_mut()
    }
}

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("cleared", &self.event.is_none())
            .finish_non_exhaustive()
    }
}

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("cleared", &self.event.is_none())
            .finish_non_exhaustive()
    }
}
