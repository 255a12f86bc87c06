//! [`TrustedReadUninit`]: the promise the fast read path rests on.
//!
//! [`SpindleIo`](crate::SpindleIo) hands hyper's uninitialised read buffer to
//! [`AsyncReadUninit::poll_read_uninit`] and then tells hyper "the first `n` bytes are
//! initialised" (`ReadBufCursor::advance`, an `unsafe fn`). If a reader returned `Ok(n)`
//! without writing those bytes, hyper would read uninitialised memory: undefined
//! behaviour. `AsyncReadUninit` is a safe trait, so its contract is a promise any safe
//! code could break, and unsafe code must not rest on it alone. This marker is the
//! `unsafe` promise: implementing it says "my `poll_read_uninit` keeps the contract".
//!
//! It is implemented here for spindle's streams (whose `poll_read_uninit` is one
//! `read(2)` into the buffer, and the kernel writes every byte it reports) and for
//! [`ZeroFill`](crate::ZeroFill), which initialises the buffer itself. A crate with its
//! own socket type implements `AsyncReadUninit` and then, after checking it, this.
//! (Were `AsyncReadUninit` itself an `unsafe trait`, this marker would be redundant.)

use spindle::io::AsyncReadUninit;

/// An [`AsyncReadUninit`] whose `poll_read_uninit` is guaranteed to initialise the `n`
/// bytes it reports (module header).
///
/// # Safety
/// On `Poll::Ready(Ok(n))` from `poll_read_uninit(cx, buf)`, `n <= buf.len()` and the
/// first `n` bytes of `buf` have been written.
pub unsafe trait TrustedReadUninit: AsyncReadUninit {}

// SAFETY: spindle's TcpStream reads with one read(2) into the buffer (read_fd_uninit in
// runtime/src/io/read_uninit.rs); the kernel writes the bytes it returns, at most
// `buf.len()`.
unsafe impl TrustedReadUninit for spindle::net::TcpStream {}

// SAFETY: as for TcpStream: one read(2) into the buffer.
unsafe impl TrustedReadUninit for spindle::net::UnixStream {}

// SAFETY: forwards to `T`'s read, which keeps the contract by `T`'s own promise.
unsafe impl<T: TrustedReadUninit + Unpin + ?Sized> TrustedReadUninit for &mut T {}

// SAFETY: forwards to `T`'s read, which keeps the contract by `T`'s own promise.
unsafe impl<T: TrustedReadUninit + Unpin + ?Sized> TrustedReadUninit for Box<T> {}
