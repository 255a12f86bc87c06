//! Vectored writes that return `EPIPE` instead of raising SIGPIPE.
//!
//! Writing to a stream socket whose peer is gone raises SIGPIPE, whose default action
//! kills the process; only then does the write return `EPIPE`. Rust's `main` sets
//! SIGPIPE to "ignore" before user code runs, but a library cannot count on that: an
//! embedder (a C host, a plugin, a binary built with `-Zon-broken-pipe=kill`) may keep
//! the default. The standard library's plain socket writes pass `MSG_NOSIGNAL` to
//! `send(2)`, which suppresses the signal for that one call; its vectored writes use
//! `writev(2)`, which takes no flags, so a vectored write to a reset peer killed the
//! embedder's process (tests/tests/faults_sigpipe.rs). Here the vectored write is
//! `sendmsg(2)` with `MSG_NOSIGNAL`: the same gather write, with the flag.
//!
//! Apple platforms have no `MSG_NOSIGNAL`; mio sets `SO_NOSIGPIPE` on each socket there,
//! which has the same effect for every call, so the flag is simply left out.

use std::io::{self, IoSlice};
use std::os::fd::AsRawFd;

#[cfg(not(target_vendor = "apple"))]
const FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(target_vendor = "apple")]
const FLAGS: libc::c_int = 0;

/// At most this many buffers per call (Linux's `UIO_MAXIOV`; `std` clamps the same way):
/// more would fail with `EMSGSIZE`, and a short write is allowed anyway.
const MAX_IOV: usize = 1024;

/// `write_vectored` on a connected stream socket, never raising SIGPIPE.
pub(crate) fn send_vectored(socket: &impl AsRawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: `msghdr` is plain old data; all-zero is a valid header with no address and
    // no control data, which is what a connected stream socket takes.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // `IoSlice` is documented to be ABI-compatible with `iovec` on Unix; `sendmsg` only
    // reads through the pointer, so the `*mut` the struct's field type asks for is never
    // written through.
    msg.msg_iov = bufs.as_ptr().cast::<libc::iovec>().cast_mut();
    msg.msg_iovlen = bufs.len().min(MAX_IOV) as _;
    // SAFETY: `msg` points at `msg_iovlen` valid `iovec`s borrowed from `bufs`, alive
    // for the call; the descriptor is the caller's open socket.
    let sent = unsafe { libc::sendmsg(socket.as_raw_fd(), &msg, FLAGS) };
    if sent < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(sent as usize)
    }
}
