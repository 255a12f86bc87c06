//! [`read_dir`]: a directory's entries, fetched from the blocking pool in batches.
//!
//! `std::fs::ReadDir` is an iterator whose every `next` may block (a `getdents64` call
//! once its kernel buffer is used up). [`ReadDir`] moves it to the pool and back,
//! taking up to [`BATCH`] entries per trip, so listing a directory of n entries costs
//! about n / 32 pool round trips rather than n.
//!
//! States: *idle* (the std iterator and a queue of fetched entries are here; `next_entry`
//! pops the queue, or starts a fetch when it is empty), *fetching* (both are lent to a
//! blocking task), *done* (the iterator ended; the queue drains, then `None` forever).
//! An error from the iterator is queued like an entry, handed out in its place, and the
//! listing goes on after it, as std's does.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::future::poll_fn;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::{asyncify, join_error, spawn_fs};
use crate::task::JoinHandle;

/// Entries taken per trip to the blocking pool.
const BATCH: usize = 32;

type Entries = VecDeque<io::Result<std::fs::DirEntry>>;

/// The entries of a directory, from [`read_dir`].
#[derive(Debug)]
pub struct ReadDir(State);

#[derive(Debug)]
enum State {
    /// `None`: the iterator has ended.
    Idle(Option<std::fs::ReadDir>, Entries),
    Fetching(JoinHandle<(Option<std::fs::ReadDir>, Entries)>),
}

/// Opens the directory `path` for listing (`NotFound`, `NotADirectory`, ...).
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify("spindle::fs::read_dir", move || std::fs::read_dir(path)).await?;
    Ok(ReadDir(State::Idle(Some(std), VecDeque::new())))
}

impl ReadDir {
    /// The next entry, `Ok(None)` after the last. (`.` and `..` are not listed.)
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry (see [`next_entry`](Self::next_entry)).
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.0 {
                State::Idle(std, entries) => {
                    if let Some(entry) = entries.pop_front() {
                        return Poll::Ready(entry.map(|e| Some(DirEntry(e))));
                    }
                    let Some(mut std) = std.take() else {
                        return Poll::Ready(Ok(None));
                    };
                    let mut entries = std::mem::take(entries);
                    self.0 = State::Fetching(spawn_fs("spindle::fs::ReadDir", move || {
                        entries.extend(std.by_ref().take(BATCH));
                        let more = entries.len() == BATCH;
                        (more.then_some(std), entries)
                    }));
                }
                State::Fetching(handle) => {
                    let result = ready!(Pin::new(handle).poll(cx));
                    match result {
                        Ok((std, entries)) => self.0 = State::Idle(std, entries),
                        Err(e) => {
                            self.0 = State::Idle(None, VecDeque::new());
                            return Poll::Ready(Err(join_error(e)));
                        }
                    }
                }
            }
        }
    }
}

/// One entry of a directory listing.
#[derive(Debug)]
pub struct DirEntry(std::fs::DirEntry);

impl DirEntry {
    /// The entry's full path (the directory's path joined with the name).
    pub fn path(&self) -> PathBuf {
        self.0.path()
    }

    /// The entry's name within its directory.
    pub fn file_name(&self) -> OsString {
        self.0.file_name()
    }

    /// The entry's metadata, not following a symbolic link.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let path = self.path();
        asyncify("spindle::fs::DirEntry::metadata", move || {
            std::fs::symlink_metadata(path)
        })
        .await
    }

    /// The entry's type, not following a symbolic link (one `lstat` on the pool).
    pub async fn file_type(&self) -> io::Result<FileType> {
        let path = self.path();
        asyncify("spindle::fs::DirEntry::file_type", move || {
            std::fs::symlink_metadata(path).map(|m| m.file_type())
        })
        .await
    }
}
