//! `UnixStream`: a connection over a Unix-domain socket, with the `futures-io` traits.
//!
//! Connecting to a path that has a listening socket completes at once or after the
//! listener's backlog frees a place; as for TCP, writability ends the wait and
//! `SO_ERROR` tells whether it failed. [`UnixStream::pair`] makes two connected ends
//! without any path, handy between tasks and in tests.

use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::{current_io, pending_error};
use crate::driver::io::{Direction, PollEvented};

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

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown(Shutdown::Write))
    }
}
