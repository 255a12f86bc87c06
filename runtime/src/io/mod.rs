//! Async I/O traits and helpers: the `futures-io` traits that spindle's sockets
//! implement, and `futures-util`'s helpers on them, re-exported so one `use` finds both.
//!
//! ```no_run
//! use spindle::io::{AsyncReadExt, AsyncWriteExt};
//! # async fn echo(mut stream: spindle::net::TcpStream) -> std::io::Result<()> {
//! let mut buf = [0u8; 1024];
//! let n = stream.read(&mut buf).await?;
//! stream.write_all(&buf[..n]).await?;
//! # Ok(()) }
//! ```
//!
//! These come from the `futures` project rather than being rewritten here: they are the
//! ecosystem's standard, and every crate written against them works on spindle.
//!
//! spindle's own additions:
//! - [`AsyncReadUninit`]: a read into uninitialised memory, so a caller with fresh
//!   buffer capacity (hyper) need not zero it first (`read_uninit.rs`);
//! - [`unix::AsyncFd`] and [`Interest`]: the driver's readiness for a descriptor spindle
//!   did not open, for crates that make their own non-blocking calls.

mod interest;
mod read_uninit;
pub mod unix;

pub use interest::Interest;
pub use read_uninit::AsyncReadUninit;
pub(crate) use read_uninit::read_fd_uninit;

pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
pub use futures_util::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, BufWriter, Cursor,
    ReadHalf, WriteHalf, copy, copy_buf, empty, repeat, sink,
};
