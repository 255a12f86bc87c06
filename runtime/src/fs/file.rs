//! [`File`]: an open file whose reads, writes and seeks run on the blocking pool.
//!
//! ## The state machine
//! A `File` is *idle*, holding its buffer (`file_buf.rs`: empty, read-ahead or pending
//! write), or *busy*, its buffer lent to one blocking operation in flight (a read, a
//! write or a seek), awaited through that operation's `JoinHandle`:
//!
//! ```text
//!            poll_read, buffer empty: start Read(max(len, 64 KiB))
//!          ┌───────────────────────────────────────────────┐
//!          │  poll_write, buffer full / poll_flush / a read │
//!          │  or seek after writes: start Write             │
//!          │  poll_seek: start Seek                         ▼
//!       ┌──┴───┐                                        ┌──────┐
//!       │ Idle │◄───────────────────────────────────────│ Busy │
//!       └──────┘   the operation completes: its buffer  └──────┘
//!                  comes back with its outcome
//! ```
//!
//! Every `poll_*` first drives a busy `File` to idle, then acts:
//! - **read**: hand out read-ahead if there is some; else send a pending write first;
//!   else start a read of at least 64 KiB (the rest stays as read-ahead);
//! - **write**: copy into the buffer and return at once (*write-behind*); once 64 KiB
//!   are pending the write starts in the background, and the next operation waits for it;
//! - **flush** / **close**: send the pending write and wait for it, so once they return
//!   `Ok` every byte written has reached the OS (and an error of any earlier background
//!   write has been reported);
//! - **seek**: send a pending write, then seek, correcting a relative seek for the
//!   read-ahead it discards (the OS position is ahead of the caller's by that much).
//!
//! An error of a background write is reported by the next operation on the `File` that
//! waits for it (write, flush, read, seek), once. `sync_all`, `sync_data`, `set_len` and `metadata`
//! first flush and put the OS position back where the caller's is, then run.
//!
//! Dropping a `File` with a pending write sends it anyway, on the pool, but nobody sees
//! an error it meets: call `flush` (or `close`) to know. (std's `BufWriter` does the
//! same on drop.) This is tokio's `File` design in its essentials, with writes batched
//! instead of one pool trip per `poll_write`.

use std::fs::{self, Metadata};
use std::future::poll_fn;
use std::io::{self, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};

use super::file_buf::{Buf, CHUNK, MAX_OP, Op, Outcome};
use super::{OpenOptions, asyncify, join_error, spawn_fs};
use crate::runtime::Handle;
use crate::task::JoinHandle;

/// An open file, with `futures-io`'s `AsyncRead`, `AsyncWrite` and `AsyncSeek`
/// (module header).
#[derive(Debug)]
pub struct File {
    std: Arc<fs::File>,
    state: State,
}

#[derive(Debug)]
enum State {
    Idle(Buf),
    Busy(JoinHandle<(Buf, Outcome)>),
}

impl File {
    /// Opens a file for reading (`NotFound` if it is not there).
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Creates a file for writing, truncating it if it exists.
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates a new file for reading and writing (`AlreadyExists` if it is there).
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// Options for opening a file (the same as [`OpenOptions::new`]).
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps a file opened with std.
    pub fn from_std(file: fs::File) -> File {
        File {
            std: Arc::new(file),
            state: State::Idle(Buf::default()),
        }
    }

    /// Flushes, puts the OS position where this `File`'s is, and gives back the std
    /// file.
    pub async fn into_std(mut self) -> io::Result<fs::File> {
        self.settle().await?;
        let std = self.std.clone();
        drop(self);
        // Idle, so no operation holds a reference any more; `try_clone` if one did.
        Arc::try_unwrap(std).or_else(|shared| shared.try_clone())
    }

    /// Flushes, then `fsync`s data and metadata to the disk.
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.settle().await?;
        let std = self.std.clone();
        asyncify("spindle::fs::File::sync_all", move || std.sync_all()).await
    }

    /// Flushes, then `fdatasync`s the data (and only the metadata needed to read it).
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.settle().await?;
        let std = self.std.clone();
        asyncify("spindle::fs::File::sync_data", move || std.sync_data()).await
    }

    /// Flushes, then truncates or extends the file to `size` bytes. The position does
    /// not move (it may then be past the end).
    pub async fn set_len(&mut self, size: u64) -> io::Result<()> {
        self.settle().await?;
        let std = self.std.clone();
        asyncify("spindle::fs::File::set_len", move || std.set_len(size)).await
    }

    /// Flushes, then reads the file's metadata (so the size counts every write).
    pub async fn metadata(&mut self) -> io::Result<Metadata> {
        self.settle().await?;
        let std = self.std.clone();
        asyncify("spindle::fs::File::metadata", move || std.metadata()).await
    }

    /// Sends pending writes, waits for them, and steps back over read-ahead: afterwards
    /// the OS file is exactly what the caller has written and positioned.
    async fn settle(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_flush_priv(cx)).await?;
        let unread = matches!(&self.state, State::Idle(buf) if buf.unread() > 0);
        if unread {
            poll_fn(|cx| self.poll_seek_priv(cx, SeekFrom::Current(0))).await?;
        }
        Ok(())
    }

    /// Lends the idle buffer to `op` on the pool: the `File` becomes busy.
    fn start(&mut self, op: Op) {
        let State::Idle(buf) = std::mem::replace(&mut self.state, State::Idle(Buf::default()))
        else {
            unreachable!("an operation starts only from idle")
        };
        let std = self.std.clone();
        let handle = spawn_fs("spindle::fs::File", move || buf.run(op, &std));
        self.state = State::Busy(handle);
    }

    /// Drives a busy `File` to idle and returns the outcome of the operation that was
    /// in flight (`None` if it was idle already).
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Outcome>>> {
        let State::Busy(handle) = &mut self.state else {
            return Poll::Ready(Ok(None));
        };
        let result = ready!(Pin::new(handle).poll(cx));
        match result {
            Ok((buf, outcome)) => {
                self.state = State::Idle(buf);
                Poll::Ready(Ok(Some(outcome)))
            }
            Err(e) => {
                // The buffer went down with the task; what it held is lost.
                self.state = State::Idle(Buf::default());
                Poll::Ready(Err(join_error(e)))
            }
        }
    }

    /// The buffer of an idle `File` (after `poll_idle` returned).
    fn idle_buf(&mut self) -> &mut Buf {
        match &mut self.state {
            State::Idle(buf) => buf,
            State::Busy(_) => unreachable!("called after poll_idle"),
        }
    }

    fn poll_read_priv(&mut self, cx: &mut Context<'_>, dst: &mut [u8]) -> Poll<io::Result<usize>> {
        loop {
            match ready!(self.poll_idle(cx))? {
                Some(Outcome::Read(Ok(()))) => {
                    // What was read (nothing: end of file) is there to hand out.
                    let buf = self.idle_buf();
                    return Poll::Ready(Ok(buf.copy_to(dst)));
                }
                Some(Outcome::Read(Err(e)) | Outcome::Write(Err(e))) => {
                    return Poll::Ready(Err(e));
                }
                Some(Outcome::Write(Ok(())) | Outcome::Seek(_)) | None => {}
            }
            let buf = self.idle_buf();
            if buf.has_pending_write() {
                self.start(Op::Write);
            } else if buf.unread() > 0 || dst.is_empty() {
                return Poll::Ready(Ok(buf.copy_to(dst)));
            } else {
                self.start(Op::Read(dst.len().clamp(CHUNK, MAX_OP)));
            }
        }
    }

    fn poll_write_priv(&mut self, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        loop {
            if let Some(Outcome::Write(Err(e))) = ready!(self.poll_idle(cx))? {
                return Poll::Ready(Err(e));
            }
            let buf = self.idle_buf();
            if src.is_empty() {
                return Poll::Ready(Ok(0));
            }
            if buf.write_room() == 0 {
                self.start(Op::Write);
                continue;
            }
            let n = buf.accept_write(src);
            if buf.write_is_full() {
                self.start(Op::Write); // in the background: the bytes are accepted
            }
            return Poll::Ready(Ok(n));
        }
    }

    fn poll_flush_priv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if let Some(Outcome::Write(Err(e))) = ready!(self.poll_idle(cx))? {
                return Poll::Ready(Err(e));
            }
            if !self.idle_buf().has_pending_write() {
                return Poll::Ready(Ok(()));
            }
            self.start(Op::Write);
        }
    }

    fn poll_seek_priv(&mut self, cx: &mut Context<'_>, pos: SeekFrom) -> Poll<io::Result<u64>> {
        loop {
            match ready!(self.poll_idle(cx))? {
                Some(Outcome::Seek(result)) => return Poll::Ready(result),
                Some(Outcome::Write(Err(e))) => return Poll::Ready(Err(e)),
                Some(Outcome::Read(_) | Outcome::Write(Ok(()))) | None => {}
            }
            if self.idle_buf().has_pending_write() {
                self.start(Op::Write);
            } else {
                self.start(Op::Seek(pos));
            }
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_priv(cx, buf)
    }

    /// Sends the pending write and waits for it (and for one already in flight).
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_priv(cx)
    }

    /// The same as `poll_flush`: a file has no half to shut down.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_priv(cx)
    }
}

impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        self.get_mut().poll_seek_priv(cx, pos)
    }
}

impl Drop for File {
    fn drop(&mut self) {
        // A write in flight finishes on its own (its task is detached). A pending one
        // is sent now: on the pool inside a runtime, on this thread outside one.
        let State::Idle(buf) = &mut self.state else {
            return;
        };
        if !buf.has_pending_write() {
            return;
        }
        let buf = std::mem::take(buf);
        let std = self.std.clone();
        let write = move || drop(buf.run(Op::Write, &std));
        if Handle::try_current().is_ok() {
            drop(spawn_fs("spindle::fs::File::drop", write));
        } else {
            write();
        }
    }
}
