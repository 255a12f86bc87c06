//! `TcpStream`: a TCP connection, readable and writable through `futures-io`.
//!
//! ## Connecting without blocking
//! `connect(2)` on a non-blocking socket returns at once with the handshake under way.
//! The socket becomes *writable* when the handshake ends, either way; then
//! `SO_ERROR` (`take_error`) says whether it failed (connection refused, unreachable)
//! and `getpeername` confirms it succeeded. A writable event with neither answer yet is
//! spurious and the wait goes on (mio's documented procedure for `connect`).
//!
//! Reads and writes run through the I/O driver's retry loop; a reader and a writer of the
//! same stream wait in separate slots, so [`TcpStream::into_split`] halves can be used
//! from two tasks at once. Besides `futures-io`'s traits the stream has a read into
//! uninitialised memory ([`AsyncReadUninit`]) and tokio's readiness calls
//! (`poll_read_ready`, `readable`, `try_read`, ...) for code that drives them itself.

use std::io::{self, IoSlice, Read, Write};
use std::mem::MaybeUninit;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};

use super::addr::{ToSocketAddrs, each_addr};
use super::tcp_split::{OwnedReadHalf, OwnedWriteHalf, split_owned};
use super::{closed_write, current_io, pending_error};
use crate::driver::io::{Direction, PollEvented};
use crate::io::{AsyncReadUninit, read_fd_uninit};

/// A TCP connection.
#[derive(Debug)]
pub struct TcpStream {
    pub(super) io: PollEvented<mio::net::TcpStream>,
}

const BOTH: mio::Interest = mio::Interest::READABLE.add(mio::Interest::WRITABLE);

impl TcpStream {
    /// Opens a connection to `addr` (the first of its addresses that accepts).
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let driver = current_io("spindle::net::TcpStream::connect");
        each_addr(addr, |addr| {
            let driver = driver.clone();
            async move {
                let stream = TcpStream {
                    io: PollEvented::new(&driver, mio::net::TcpStream::connect(addr)?, BOTH)?,
                };
                std::future::poll_fn(|cx| stream.poll_connected(cx)).await?;
                Ok(stream)
            }
        })
        .await
    }

    /// Wraps a socket whose non-blocking connect is under way and waits for the
    /// handshake to end (`TcpSocket::connect`).
    pub(super) async fn connecting(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        let driver = current_io("spindle::net::TcpSocket::connect");
        let stream = TcpStream {
            io: PollEvented::new(&driver, mio::net::TcpStream::from_std(stream), BOTH)?,
        };
        std::future::poll_fn(|cx| stream.poll_connected(cx)).await?;
        Ok(stream)
    }

    /// Waits for the handshake of a non-blocking connect to end (module header).
    fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_io(cx, Direction::Write, |stream| {
            pending_error(stream.take_error()?)?;
            match stream.peer_addr() {
                Ok(_) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    Err(io::ErrorKind::WouldBlock.into())
                }
                Err(e) => Err(e),
            }
        })
    }

    /// Wraps an accepted mio stream.
    pub(super) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        let driver = current_io("spindle::net::TcpListener::accept");
        Ok(TcpStream {
            io: PollEvented::new(&driver, stream, BOTH)?,
        })
    }

    /// Wraps a connected stream made with std (switching it to non-blocking mode).
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        let driver = current_io("spindle::net::TcpStream::from_std");
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: PollEvented::new(&driver, mio::net::TcpStream::from_std(stream), BOTH)?,
        })
    }

    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().local_addr()
    }

    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().peer_addr()
    }

    /// Turns Nagle's algorithm off (`true`) or on: off sends small writes at once.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.source().set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is off.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.source().nodelay()
    }

    /// Sets `SO_LINGER`: with `Some(d)`, closing the stream waits up to `d` for unsent
    /// data to go out; `Some(Duration::ZERO)` resets the connection on close (an RST,
    /// no TIME_WAIT); `None` (the default) closes in the background.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        let value = libc::linger {
            l_onoff: linger.is_some().into(),
            l_linger: linger.map_or(0, |d| d.as_secs().min(i32::MAX as u64) as libc::c_int),
        };
        // SAFETY: the descriptor is this stream's open socket for the whole call, and
        // `value` is a valid `linger` whose size is passed along with its address.
        let rc = unsafe {
            libc::setsockopt(
                self.io.source().as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&raw const value).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// Shuts down the read half, the write half (the peer then reads end-of-stream), or
    /// both. Not async: `shutdown(2)` never blocks.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.source().shutdown(how)
    }

    /// Reads into `buf` without taking the data out of the socket's queue.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |s| s.peek(buf))).await
    }

    /// Polls for read readiness: `Ready(Ok(()))` once the driver has reported the stream
    /// readable (or its peer's half closed, or an error), `Pending` with the task's waker
    /// stored otherwise. Readiness is a hint: a [`try_read`](Self::try_read) after it may
    /// still say `WouldBlock`, which clears it, and the next poll waits again.
    ///
    /// Only one task's waker is kept per direction (the latest to poll), as for tokio's
    /// `poll_read_ready`; several tasks waiting should use [`readable`](Self::readable)
    /// from one task, or split the stream.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read)
    }

    /// Polls for write readiness; see [`poll_read_ready`](Self::poll_read_ready).
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write)
    }

    /// Waits until the stream may be readable (a later read can still say `WouldBlock`).
    ///
    /// ```no_run
    /// # async fn f(stream: spindle::net::TcpStream) -> std::io::Result<()> {
    /// let mut buf = [0u8; 4096];
    /// loop {
    ///     stream.readable().await?;
    ///     match stream.try_read(&mut buf) {
    ///         Ok(0) => break, // end of stream
    ///         Ok(n) => println!("read {n} bytes"),
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_read_ready(cx)).await
    }

    /// Waits until the stream may be writable.
    pub async fn writable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_write_ready(cx)).await
    }

    /// Reads what is there without waiting: `WouldBlock` if the driver has not reported
    /// the stream readable or the read finds nothing (that clears the readiness, so the
    /// next [`readable`](Self::readable) waits for new data). `Ok(0)`: end of stream.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |mut s| s.read(buf))
    }

    /// Writes what fits without waiting; `WouldBlock` as for [`try_read`](Self::try_read).
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |mut s| s.write(buf))
    }

    /// [`try_write`](Self::try_write) from several buffers in one `writev(2)`.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Direction::Write, |mut s| s.write_vectored(bufs))
    }

    /// Splits the stream into a read half and a write half that can move to different
    /// tasks; [`OwnedReadHalf::reunite`] puts them back together.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split_owned(self)
    }

    pub(super) fn poll_read_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Read, |mut s| s.read(buf))
    }

    pub(super) fn poll_read_uninit_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Read, |s| read_fd_uninit(s.as_fd(), buf))
    }

    pub(super) fn poll_write_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |mut s| s.write(buf))
    }

    pub(super) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // Not `s.write_vectored`: writev(2) raises SIGPIPE on a reset peer.
        self.io.poll_io(cx, Direction::Write, |s| {
            super::send_vectored::send_vectored(s, bufs)
        })
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncReadUninit for TcpStream {
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_uninit_priv(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_priv(cx, bufs)
    }

    /// TCP has no user-space buffer here: nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts the write half down: the peer reads end-of-stream. A peer that has gone
    /// already (`NotConnected`) counts as closed: `Ok` (see `closed_write`).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(closed_write(self.shutdown(Shutdown::Write)))
    }
}
