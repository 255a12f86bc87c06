//! `TcpListener`: accepts TCP connections.
//!
//! `accept` is the retry loop of `PollEvented::poll_io` around a non-blocking
//! `accept(2)`. It spends the cooperative budget like every I/O operation, so a server
//! whose accepts keep failing (EMFILE: out of file descriptors) still yields, and the
//! tasks that would close descriptors get to run.

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use super::addr::{ToSocketAddrs, each_addr};
use super::{TcpStream, current_io};
use crate::driver::io::{Direction, PollEvented};

/// A TCP socket server, listening for connections.
#[derive(Debug)]
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (the first of its addresses that works) and starts listening,
    /// with a backlog of 128 connections waiting to be accepted (as std, mio and tokio
    /// do). For bursts of connections ask for more with [`TcpSocket::listen`]; the
    /// module header of [`TcpSocket`] says why.
    ///
    /// [`TcpSocket`]: super::TcpSocket
    /// [`TcpSocket::listen`]: super::TcpSocket::listen
    /// Port 0 picks a free port: see [`TcpListener::local_addr`].
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let driver = current_io("spindle::net::TcpListener::bind");
        each_addr(addr, |addr| {
            let driver = driver.clone();
            async move {
                let listener = mio::net::TcpListener::bind(addr)?;
                Ok(TcpListener {
                    io: PollEvented::new(&driver, listener, mio::Interest::READABLE)?,
                })
            }
        })
        .await
    }

    /// Wraps a listener made with std (switching it to non-blocking mode).
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        let driver = current_io("spindle::net::TcpListener::from_std");
        listener.set_nonblocking(true)?;
        let listener = mio::net::TcpListener::from_std(listener);
        Ok(TcpListener {
            io: PollEvented::new(&driver, listener, mio::Interest::READABLE)?,
        })
    }

    /// Waits for a connection; returns it and the peer's address.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.io
            .poll_io(cx, Direction::Read, |listener| listener.accept())
            .map(|result| {
                let (stream, peer) = result?;
                Ok((TcpStream::from_mio(stream)?, peer))
            })
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().local_addr()
    }

    /// Sets the IP time-to-live of accepted connections' packets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.source().set_ttl(ttl)
    }

    /// The IP time-to-live.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.source().ttl()
    }
}
