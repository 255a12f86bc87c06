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

pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
pub use futures_util::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter, Cursor, ReadHalf,
    WriteHalf, copy, copy_buf, empty, repeat, sink,
};
