//! Networking: TCP, UDP and Unix-domain sockets on the I/O driver.
//!
//! Every type here wraps a non-blocking mio socket in a `PollEvented`
//! (`driver/io/poll_evented.rs`): an operation is tried at once, and only when the
//! kernel says `WouldBlock` does the task store its waker and wait for epoll to report
//! readiness. Streams implement the `futures-io` traits (`AsyncRead`, `AsyncWrite`), so
//! the helpers of [`crate::io`] (`read_exact`, `write_all`, `read_line` through a
//! `BufReader`, `copy`, ...) work on them, as does the rest of the futures ecosystem.
//!
//! Errors are the operating system's, as `io::Error`: `ConnectionRefused`,
//! `ConnectionReset`, `AddrInUse`, ...
//!
//! Sockets must be created inside a spindle runtime (a task or `block_on`); they panic
//! otherwise, with a message that says so.

mod addr;
mod send_vectored;
mod tcp_listener;
mod tcp_socket;
mod tcp_split;
mod tcp_stream;
mod udp;
mod unix_listener;
mod unix_stream;

pub use addr::ToSocketAddrs;
pub use tcp_listener::TcpListener;
pub use tcp_socket::TcpSocket;
pub use tcp_split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use tcp_stream::TcpStream;
pub use udp::UdpSocket;
pub use unix_listener::UnixListener;
pub use unix_stream::UnixStream;

use std::io;
use std::sync::Arc;

use crate::driver::handle;
use crate::driver::io::IoShared;

/// The I/O driver of the runtime this thread belongs to, or the panic that says how to
/// fix calling `what` elsewhere.
#[track_caller]
fn current_io(what: &str) -> Arc<IoShared> {
    handle::current(what).io
}

/// `Err(e)` unless `e` is `None`: the pending error a non-blocking connect left behind.
fn pending_error(error: Option<io::Error>) -> io::Result<()> {
    error.map_or(Ok(()), Err)
}

/// The result of `poll_close` (shutting the write half down): a peer that has already
/// gone, so the socket is no longer connected, leaves nothing to shut down, which is
/// success. Linux reports that case as `ENOTCONN` (after the peer's reset, say); tokio
/// maps it to `Ok` too, and hyper, which closes every connection it ends, reported the
/// error as `Error(Shutdown)` on a few dozen connections per wrk run until this did.
fn closed_write(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        result => result,
    }
}

#[cfg(all(test, not(loom)))]
mod readiness_tests;
#[cfg(all(test, not(loom)))]
mod tests;
