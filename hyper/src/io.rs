//! `SpindleIo`: hyper's byte-stream traits (`hyper::rt::Read`, `hyper::rt::Write`) over
//! spindle's sockets.
//!
//! hyper reads into its own buffer, handed over as a [`ReadBufCursor`]: spare capacity
//! that may be uninitialised. `SpindleIo` passes that memory straight to the stream's
//! [`AsyncReadUninit::poll_read_uninit`] (for spindle's sockets, one `read(2)` into it)
//! and then advances the cursor by the bytes read. No zero-fill: that is what the
//! [`TrustedReadUninit`] bound is for (its module says why a safe trait's promise is not
//! enough). A stream that only has futures-io's `poll_read` goes in through
//! [`ZeroFill`](crate::ZeroFill): `SpindleIo::new(ZeroFill::new(stream))`.
//!
//! Writes pass straight through, vectored ones included: `is_write_vectored` is `true`,
//! so hyper queues its header buffer and the body chunks as separate slices and spindle
//! writes them with one `writev(2)` instead of hyper copying them into one buffer.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use hyper::rt::ReadBufCursor;
use spindle::io::AsyncWrite;

use crate::TrustedReadUninit;

/// A spindle socket (or any stream in [`ZeroFill`](crate::ZeroFill)) as hyper's `Read` + `Write`.
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

impl<T: TrustedReadUninit> hyper::rt::Read for SpindleIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `as_mut` hands out the cursor's spare capacity on the condition that
        // no initialised byte is de-initialised; the reader only writes bytes into it.
        let spare: &mut [MaybeUninit<u8>] = unsafe { buf.as_mut() };
        let n = ready!(self.inner_pin().poll_read_uninit(cx, spare))?;
        // SAFETY: `T: TrustedReadUninit` promises that on `Ok(n)`, `n` is at most the
        // spare length and the first `n` spare bytes were written.
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
