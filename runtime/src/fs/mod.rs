//! Files and directories, shaped like `tokio::fs`: every system call runs on the
//! runtime's blocking pool, so a slow disk never stalls a worker.
//!
//! ```no_run
//! use spindle::io::{AsyncReadExt, AsyncWriteExt};
//! # async fn f() -> std::io::Result<()> {
//! spindle::fs::write("greeting.txt", b"hello").await?;
//! assert_eq!(spindle::fs::read_to_string("greeting.txt").await?, "hello");
//!
//! let mut file = spindle::fs::File::create("log.txt").await?;
//! file.write_all(b"line 1\n").await?;
//! file.flush().await?; // waits until the bytes reached the OS
//! # Ok(()) }
//! ```
//!
//! Why the blocking pool: Linux has no readiness for regular files (epoll refuses them:
//! a file is "always ready", and a read that misses the page cache simply blocks), so
//! the honest non-blocking file call is "a blocking call on another thread". Each
//! function here is one `spawn_blocking` round trip (about 5 µs here, BENCHMARKS.md)
//! around the `std::fs` call of the same name; [`File`] batches its reads and writes
//! through a buffer so that small ones do not pay a round trip each (`file.rs`).
//!
//! Errors are the operating system's, as `std::fs` returns them (`NotFound`,
//! `PermissionDenied`, `IsADirectory`, ...); a blocking task that panicked or was
//! cancelled by runtime shutdown is an `io::Error` too. Called outside a spindle
//! runtime, these functions panic with a message saying how to fix it.
//!
//! Files: `ops.rs` (the one-call functions), `file.rs` (the `File` state machine),
//! `file_buf.rs` (its buffer and the blocking bodies), `open_options.rs`, `read_dir.rs`.

mod file;
mod file_buf;
mod open_options;
mod ops;
mod read_dir;

pub use file::File;
pub use open_options::OpenOptions;
pub use ops::{
    canonicalize, copy, create_dir, create_dir_all, hard_link, metadata, read, read_link,
    read_to_string, remove_dir, remove_dir_all, remove_file, rename, set_permissions,
    symlink_metadata, try_exists, write,
};
pub use read_dir::{DirEntry, ReadDir, read_dir};

use std::io;

use crate::runtime::Handle;
use crate::task::{JoinError, JoinHandle};

/// Runs `f` on the current runtime's blocking pool.
///
/// # Panics
/// Outside a spindle runtime, naming `what` and the fix.
fn spawn_fs<F, T>(what: &'static str, f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let Ok(handle) = Handle::try_current() else {
        panic!(
            "{what} must be called inside a spindle runtime (from a task or inside \
             Runtime::block_on): it runs its system call on the runtime's blocking pool. \
             Outside a runtime, use std::fs"
        )
    };
    handle.spawn_blocking(f)
}

/// A blocking file task that did not return: it panicked, or runtime shutdown
/// cancelled it before it ran.
fn join_error(error: JoinError) -> io::Error {
    io::Error::other(format!(
        "a blocking file operation did not complete: {error}"
    ))
}

/// Runs the `std::fs` call `f` on the blocking pool and returns its result.
async fn asyncify<F, T>(what: &'static str, f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    spawn_fs(what, f).await.map_err(join_error)?
}

#[cfg(all(test, not(loom)))]
mod tests;
