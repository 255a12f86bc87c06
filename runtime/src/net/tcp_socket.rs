//! `TcpSocket`: a TCP socket not yet bound or connected, for the settings that must be
//! made *before* `listen` or `connect` — above all the listen backlog.
//!
//! ## Why a backlog setting matters
//! The kernel finishes TCP handshakes on its own and queues the new connections on the
//! listening socket until `accept` takes them. The queue's length is the *backlog*
//! given to `listen(2)`. When it is full, Linux drops the next client's SYN, and the
//! client only tries again after its retransmission timeout: one second, then two,
//! four... [`TcpListener::bind`](super::TcpListener::bind) uses 128, like std, mio and
//! tokio. A burst of connections that outruns the accepting task by more than that —
//! a thousand clients connecting at once, or an acceptor whose thread the operating
//! system did not schedule for a millisecond while another core kept connecting —
//! costs those clients a second each. Servers that expect bursts ask for more (nginx
//! and Node use 511; Go asks for `net.core.somaxconn`); the kernel caps the value at
//! `net.core.somaxconn`.
//!
//! ## Life cycle
//! ```text
//! new_v4 / new_v6 ──set_*──> bind ──> listen(backlog) ──> TcpListener
//!                      └────────────> connect(addr).await ──> TcpStream
//! ```
//! `listen` and `connect` consume the socket; the options set before carry over. The
//! socket is created non-blocking and close-on-exec. The shape is tokio's `TcpSocket`;
//! the system calls go through `socket2`, the crate tokio and mio's own tests use for
//! them.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::{TcpListener, TcpStream};

/// A TCP socket that is not yet listening or connected; see the module header.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use spindle::net::TcpSocket;
///
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:8080".parse().unwrap())?;
/// let listener = socket.listen(1024)?; // room for a burst of 1,024 handshakes
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TcpSocket {
    inner: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket.
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket.
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        // socket2 sets close-on-exec at creation on Linux.
        let inner = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
        inner.set_nonblocking(true)?;
        Ok(TcpSocket { inner })
    }

    /// Allows binding to an address still in `TIME_WAIT` (`SO_REUSEADDR`).
    pub fn set_reuseaddr(&self, reuse: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuse)
    }

    /// Whether `SO_REUSEADDR` is set.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Lets several sockets bind the same address and port (`SO_REUSEPORT`); the kernel
    /// spreads incoming connections over their listeners.
    pub fn set_reuseport(&self, reuse: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuse)
    }

    /// Whether `SO_REUSEPORT` is set.
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Disables Nagle's algorithm on the connection this socket becomes (`TCP_NODELAY`).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Sets the kernel's send buffer size (`SO_SNDBUF`; Linux doubles the value).
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// Sets the kernel's receive buffer size (`SO_RCVBUF`; Linux doubles the value).
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// Binds the socket to `addr` (port 0: the kernel picks a free port).
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&SockAddr::from(addr))
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("the socket's address is not an IP address"))
    }

    /// Starts listening with room for `backlog` connections that finished their
    /// handshake but were not accepted yet (capped by the kernel at
    /// `net.core.somaxconn`). Must be called inside a spindle runtime.
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
        self.inner.listen(backlog)?;
        TcpListener::from_std(self.inner.into())
    }

    /// Connects to `addr`, waiting for the handshake without blocking the thread. Must
    /// be called inside a spindle runtime.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        match self.inner.connect(&SockAddr::from(addr)) {
            Ok(()) => {}
            // The usual answer of a non-blocking connect: the handshake is under way.
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        TcpStream::connecting(self.inner.into()).await
    }
}
