//! [`AsyncReadUninit`]: reading into memory that has not been initialised.
//!
//! `AsyncRead::poll_read` takes `&mut [u8]`, so a caller whose buffer is fresh capacity
//! (hyper's read buffer, a `Vec`'s spare capacity) must write zeros over it first:
//! handing uninitialised memory to a `&mut [u8]` is undefined behaviour, even if the
//! callee only ever writes to it. For a socket read that fill is pure cost; the kernel
//! overwrites the bytes anyway. When hyper was first run on spindle, reading straight
//! into hyper's buffer instead of zero-filling it gave 1.12-1.17 times the requests/s.
//!
//! This trait is the sound way around it. The contract, for implementers and callers:
//! - the callee never reads from `buf`, only writes to it;
//! - on `Ok(n)`, the first `n` bytes of `buf` are initialised (`n <= buf.len()`);
//! - on `Ok(0)` with a non-empty `buf`, the stream is at its end, as for `poll_read`.
//!
//! spindle's sockets implement it with `read(2)` straight into the buffer, through the
//! same retry loop as `poll_read` (`driver/io/poll_evented.rs`); the kernel writes the
//! bytes it returns and touches no others. (The idea is std's `BorrowedBuf` and tokio's
//! `ReadBuf`, reduced to the one call a socket needs.)

use std::io;
use std::mem::MaybeUninit;
use std::ops::DerefMut;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::AsyncRead;

/// An [`AsyncRead`] that can also read into uninitialised memory (module header).
pub trait AsyncReadUninit: AsyncRead {
    /// Like [`AsyncRead::poll_read`], into `buf` whose bytes need not be initialised.
    /// On `Ok(n)` the first `n` bytes of `buf` are initialised; nothing is read from it.
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
}

impl<T: AsyncReadUninit + Unpin + ?Sized> AsyncReadUninit for &mut T {
    fn poll_read_uninit(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self).poll_read_uninit(cx, buf)
    }
}

impl<T: AsyncReadUninit + Unpin + ?Sized> AsyncReadUninit for Box<T> {
    fn poll_read_uninit(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.deref_mut().deref_mut()).poll_read_uninit(cx, buf)
    }
}

/// One `read(2)` of `fd` into `buf`; returns the bytes read, which are then initialised.
pub(crate) fn read_fd_uninit(fd: BorrowedFd<'_>, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `buf` is a unique borrow of `buf.len()` bytes, valid for writes for the
    // whole call; read(2) writes at most that many bytes into it and never reads it, so
    // its bytes being uninitialised is fine. `MaybeUninit<u8>` has the layout of `u8`.
    // `fd` is borrowed, so it stays open (and means the same file) during the call.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        // read(2) returns at most `buf.len()`, which fits in usize.
        Ok(n as usize)
    }
}
