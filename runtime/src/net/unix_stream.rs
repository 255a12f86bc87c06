//! `UnixStream`: a connection over a Unix-domain socket, with the `futures-io` traits.
//!
//! Connecting to a path that has a listening socket completes at once or after the
//! listener's backlog frees a place; as for TCP, writability ends the wait and
//! `SO_ERROR` tells whether it failed. [`UnixStream::pair`] makes two connected ends
//! without any path, handy between tasks and in tests.

use std::io::{self, IoSlice, Read, Write};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::{closed_write, current_io, pending_error};
use crate::driver::io::{Direction, PollEvented};
use crate::io::{AsyncReadUninit, read_fd_uninit};

/// A Unix-domain stream connection.
#[derive(Debug)]
pub struct UnixStream {
    io: PollEvented<mio::net::UnixStream>,
}

const BOTH: mio::Interest = mio::Interest::READABLE.add(mio::Interest::WRITABLE);

impl UnixStream {
    /// Connects to the socket at `path`.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let driver = current_io("spindle::net::UnixStream::connect");
        let stream = UnixStream {
            io: PollEvented::new(&driver, mio::net::UnixStream::connect(path)?, BOTH)?,
        };
        std::future::poll_fn(|cx| {
            stream
                .io
                .poll_ready(cx, Direction::Write)
                .map(|ready| ready.and_then(|()| pending_error(stream.io.source().take_error()?)))
        })
        .await?;
        Ok(stream)
    }

    /// Two connected streams.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::from_mio(a)?, UnixStream::from_mio(b)?))
    }

    #[track_caller]
    pub(super) fn from_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        let driver = current_io("spindle::net::UnixStream");
        Ok(UnixStream {
            io: PollEvented::new(&driver, stream, BOTH)?,
        })
    }

    /// Wraps a stream made with std (switching it to non-blocking mode).
    #[track_caller]
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_mio(mio::net::UnixStream::from_std(stream))
    }

    /// This end's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().local_addr()
    }

    /// The other end's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().peer_addr()
    }

    /// Shuts down reading, writing, or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.source().shutdown(how)
    }

    /// Polls for read readiness (see `TcpStream::poll_read_ready`, the same contract).
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read)
    }

    /// Polls for write readiness.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write)
    }

    /// Waits until the stream may be readable (a later read can still say `WouldBlock`).
    pub async fn readable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_read_ready(cx)).await
    }

    /// Waits until the stream may be writable.
    pub async fn writable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_write_ready(cx)).await
    }

    /// Reads without waiting; `WouldBlock` clears the readiness (see
    /// `TcpStream::try_read`).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |mut s| s.read(buf))
    }

    /// Writes without waiting.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |mut s| s.write(buf))
    }
}

impl AsyncReadUninit for UnixStream {
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Read, |s| read_fd_uninit(s.as_fd(), buf))
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Read, |mut s| s.read(buf))
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |mut s| s.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // Not `s.write_vectored`: writev(2) raises SIGPIPE on a closed peer.
        self.io.poll_io(cx, Direction::Write, |s| {
            super::send_vectored::send_vectored(s, bufs)
        })
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts the write half down; a peer already gone counts as closed (`Ok`).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(closed_write(self.shutdown(Shutdown::Write)))
    }
}
