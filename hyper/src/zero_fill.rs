//! [`ZeroFill`]: any futures-io stream made fit for [`SpindleIo`](crate::SpindleIo), by
//! zero-filling each read buffer before handing it over as `&mut [u8]`.
//!
//! This is the sound path for a reader this crate knows nothing about (a TLS stream, an
//! in-memory pipe, a test double): `AsyncRead::poll_read` takes initialised bytes, so the
//! uninitialised buffer hyper offers must be initialised first. It costs a `memset` of
//! the whole offered buffer per read, 8 KiB or more: on a "hello" server under wrk,
//! measured in BENCHMARKS.md ("HTTP (hyper)"). spindle's own sockets skip it
//! ([`TrustedReadUninit`](crate::TrustedReadUninit)).
//!
//! Writes (vectored ones too), flush and close pass straight through.

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use spindle::io::{AsyncRead, AsyncReadUninit, AsyncWrite};

use crate::TrustedReadUninit;

/// A futures-io stream whose uninitialised reads zero the buffer first (module header).
#[derive(Debug)]
pub struct ZeroFill<T> {
    inner: T,
}

impl<T> ZeroFill<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> ZeroFill<T> {
        ZeroFill { inner }
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }

    fn inner_pin(self: Pin<&mut Self>) -> Pin<&mut T> {
        // SAFETY: `inner` is structurally pinned: never moved out of a pinned `ZeroFill`
        // (`into_inner` takes `self` by value), no `Drop` impl, and `ZeroFill<T>` is
        // `Unpin` exactly when `T` is.
        unsafe { self.map_unchecked_mut(|z| &mut z.inner) }
    }
}

impl<T: AsyncRead> AsyncRead for ZeroFill<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner_pin().poll_read(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner_pin().poll_read_vectored(cx, bufs)
    }
}

impl<T: AsyncRead> AsyncReadUninit for ZeroFill<T> {
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        buf.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `buf` was initialised just above, and `MaybeUninit<u8>`
        // has the layout of `u8`; the borrow is `buf`'s own, unique, for this call.
        let bytes: &mut [u8] = unsafe { &mut *(buf as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let len = bytes.len();
        let n = ready!(self.inner_pin().poll_read(cx, bytes))?;
        if n > len {
            // A reader breaking its own contract must not become our memory error.
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the reader reported more bytes than the buffer holds",
            )));
        }
        Poll::Ready(Ok(n))
    }
}

// SAFETY: `poll_read_uninit` above initialises the whole buffer before the inner read
// and returns `Ok(n)` only for `n <= buf.len()`, so the first `n` bytes are written.
unsafe impl<T: AsyncRead> TrustedReadUninit for ZeroFill<T> {}

impl<T: AsyncWrite> AsyncWrite for ZeroFill<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner_pin().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner_pin().poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner_pin().poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner_pin().poll_close(cx)
    }
}
