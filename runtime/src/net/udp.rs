//! `UdpSocket`: datagrams, to any address (`send_to` / `recv_from`) or, once
//! `connect`ed, to one peer (`send` / `recv`).
//!
//! Each call sends or receives exactly one datagram; a receive buffer shorter than the
//! datagram truncates it, as with std's socket. All methods take `&self`, so one socket
//! can be shared (in an `Arc`) by a sending task and a receiving task.

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use super::addr::{ToSocketAddrs, each_addr};
use super::current_io;
use crate::driver::io::{Direction, PollEvented};

/// A UDP socket.
#[derive(Debug)]
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

const BOTH: mio::Interest = mio::Interest::READABLE.add(mio::Interest::WRITABLE);

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 picks a free port).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let driver = current_io("spindle::net::UdpSocket::bind");
        each_addr(addr, |addr| {
            let driver = driver.clone();
            async move {
                let socket = mio::net::UdpSocket::bind(addr)?;
                Ok(UdpSocket {
                    io: PollEvented::new(&driver, socket, BOTH)?,
                })
            }
        })
        .await
    }

    /// Wraps a socket made with std (switching it to non-blocking mode).
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        let driver = current_io("spindle::net::UdpSocket::from_std");
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: PollEvented::new(&driver, mio::net::UdpSocket::from_std(socket), BOTH)?,
        })
    }

    /// Sets the only peer `send` and `recv` talk to (datagrams from others are dropped
    /// by the kernel). Uses the first address that works.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        each_addr(addr, |addr| async move { self.io.source().connect(addr) }).await
    }

    /// Sends `buf` as one datagram to `target`; returns the bytes sent.
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_send_to(cx, buf, target)).await
    }

    /// Polls to send `buf` to `target`.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |s| s.send_to(buf, target))
    }

    /// Receives one datagram; returns its length and sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_recv_from(cx, buf)).await
    }

    /// Polls to receive one datagram.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_io(cx, Direction::Read, |s| s.recv_from(buf))
    }

    /// Sends `buf` to the connected peer.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.io.poll_io(cx, Direction::Write, |s| s.send(buf))).await
    }

    /// Receives one datagram from the connected peer.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |s| s.recv(buf))).await
    }

    /// Polls until a datagram may be waiting (tokio's `poll_recv_ready`); readiness is a
    /// hint, cleared when a [`try_recv`](Self::try_recv) finds nothing.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read)
    }

    /// Polls until a datagram may be sent without waiting.
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write)
    }

    /// Waits until a datagram may be waiting.
    pub async fn readable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_recv_ready(cx)).await
    }

    /// Waits until a datagram may be sent.
    pub async fn writable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_send_ready(cx)).await
    }

    /// Receives a datagram from the connected peer without waiting (`WouldBlock` if
    /// none is there; that clears the readiness).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |s| s.recv(buf))
    }

    /// Receives a datagram from anyone without waiting.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Direction::Read, |s| s.recv_from(buf))
    }

    /// Sends to the connected peer without waiting.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |s| s.send(buf))
    }

    /// Sends to `target` without waiting.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |s| s.send_to(buf, target))
    }

    /// The address this socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().local_addr()
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().peer_addr()
    }

    /// Allows sending to broadcast addresses.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.source().set_broadcast(on)
    }

    /// Sets the IP time-to-live of sent packets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.source().set_ttl(ttl)
    }
}
