//! `SpindleIo`: hyper's byte-stream traits (`hyper::rt::Read`, `hyper::rt::Write`) over
//! spindle's sockets.
//!
//! hyper reads into its own buffer, handed over as a [`ReadBufCursor`]: spare capacity
//! that may be uninitialised. A futures-io reader wants `&mut [u8]`, so this version
//! zero-fills the cursor before each read.
//!
//! Writes pass straight through, vectored ones included: `is_write_vectored` is `true`,
//! so hyper queues its header buffer and the body chunks as separate slices and spindle
//! writes them with one `writev(2)` instead of hyper copying them into one buffer.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use hyper::rt::ReadBufCursor;
use spindle::io::{AsyncRead, AsyncWrite};

/// A spindle socket (or any futures-io stream) as hyper's `Read` + `Write`.
#[derive(Debug)]
pub struct SpindleIo<T> {
    inner: T,
}

impl<T> SpindleIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> SpindleIo<T> {
        SpindleIo { inner }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// Pin projection to the inner stream.
    fn inner_pin(self: Pin<&mut Self>) -> Pin<&mut T> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of a pinned
        // `SpindleIo` (only `into_inner(self)` moves it, which needs an unpinned value),
        // `SpindleIo` has no `Drop` impl that could move it, and `SpindleIo<T>` is
        // `Unpin` exactly when `T` is (the auto trait, no manual impl).
        unsafe { self.map_unchecked_mut(|io| &mut io.inner) }
    }
}

impl<T: AsyncRead> hyper::rt::Read for SpindleIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `as_mut` hands out the cursor's spare capacity; we only ever write
        // initialised bytes into it (the zeros below, then the reader's bytes), never
        // de-initialise a byte, which is all `as_mut` asks.
        let spare: &mut [MaybeUninit<u8>] = unsafe { buf.as_mut() };
        let len = spare.len();
        spare.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `spare` was initialised just above, and `MaybeUninit<u8>`
        // has the layout of `u8`.
        let bytes: &mut [u8] = unsafe { &mut *(spare as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let n = ready!(self.inner_pin().poll_read(cx, bytes))?;
        if n > len {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the reader reported more bytes than the buffer holds",
            )));
        }
        // SAFETY: the first `n <= len` bytes of the cursor are initialised (all were).
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite> hyper::rt::Write for SpindleIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner_pin().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner_pin().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner_pin().poll_close(cx)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner_pin().poll_write_vectored(cx, bufs)
    }
}
