//! `UnixListener`: accepts connections on a Unix-domain socket path.
//!
//! The same accept loop as `TcpListener`'s (and the same cooperative budget), on a
//! filesystem path instead of an IP address. Binding fails with `AddrInUse` if the path
//! exists; remove a stale socket file first.

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use super::{UnixStream, current_io};
use crate::driver::io::{Direction, PollEvented};

/// A Unix-domain socket server.
#[derive(Debug)]
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
}

impl UnixListener {
    /// Creates a socket file at `path` and listens on it. (Not async: binding a path
    /// never waits.)
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let driver = current_io("spindle::net::UnixListener::bind");
        let listener = mio::net::UnixListener::bind(path)?;
        Ok(UnixListener {
            io: PollEvented::new(&driver, listener, mio::Interest::READABLE)?,
        })
    }

    /// Wraps a listener made with std (switching it to non-blocking mode).
    #[track_caller]
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        let driver = current_io("spindle::net::UnixListener::from_std");
        listener.set_nonblocking(true)?;
        let listener = mio::net::UnixListener::from_std(listener);
        Ok(UnixListener {
            io: PollEvented::new(&driver, listener, mio::Interest::READABLE)?,
        })
    }

    /// Waits for a connection.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.io
            .poll_io(cx, Direction::Read, |listener| listener.accept())
            .map(|result| {
                let (stream, peer) = result?;
                Ok((UnixStream::from_mio(stream)?, peer))
            })
    }

    /// The address (path) this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().local_addr()
    }
}
