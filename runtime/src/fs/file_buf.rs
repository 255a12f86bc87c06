//! The buffer of a [`File`](super::File) and the blocking operations that fill and empty
//! it on the pool.
//!
//! The buffer is in one of three modes:
//! - **empty**: no data; the OS file position is the `File`'s position;
//! - **read-ahead**: `data[pos..]` was read from the file but not yet handed out; the OS
//!   position is *ahead* of the `File`'s by `data.len() - pos` bytes;
//! - **pending write**: `data` was accepted from the caller but not yet written; the
//!   OS position is *behind* by `data.len()`, and before writing it must first step back
//!   `seek_back` bytes (the read-ahead that was discarded when writing began).
//!
//! Invariant: `writing` implies `pos == 0` and `data` non-empty; `seek_back > 0` only
//! while `writing`.
//!
//! Sizes: a read fetches at least [`CHUNK`] (64 KiB) and a pending write is sent once it
//! reaches that much. One round trip through the blocking pool costs about 5 µs here
//! (BENCHMARKS.md, "spawn_blocking round trip"), and copying 64 KiB from the page cache
//! about as much: so at 64 KiB the trip is at most half of an operation's cost, while a
//! reader taking lines through an 8 KiB `BufReader` pays one trip per eight reads. A
//! caller with a larger buffer is served in one trip of up to [`MAX_OP`] (2 MiB, as
//! tokio's cap), so big transfers are not cut into 64 KiB pieces.

use std::fs;
use std::io::{self, Seek, SeekFrom, Write};
use std::os::fd::AsFd;

use crate::io::read_fd_uninit;

/// The smallest read from the file, and the size at which pending writes are sent.
pub(super) const CHUNK: usize = 64 * 1024;
/// The most one blocking operation reads or writes.
pub(super) const MAX_OP: usize = 2 * 1024 * 1024;

/// A `File`'s buffer (module header).
#[derive(Debug, Default)]
pub(super) struct Buf {
    data: Vec<u8>,
    pos: usize,
    writing: bool,
    seek_back: u64,
}

/// What a blocking operation does.
#[derive(Debug)]
pub(super) enum Op {
    /// Replace the (empty) buffer with up to this many bytes read from the file.
    Read(usize),
    /// Write the pending bytes (after stepping back `seek_back`).
    Write,
    /// Seek, correcting `SeekFrom::Current` for read-ahead that is discarded.
    Seek(SeekFrom),
}

/// What a blocking operation reports.
#[derive(Debug)]
pub(super) enum Outcome {
    Read(io::Result<()>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

impl Buf {
    /// Read-ahead bytes not yet handed out.
    pub(super) fn unread(&self) -> usize {
        if self.writing {
            0
        } else {
            self.data.len() - self.pos
        }
    }

    pub(super) fn has_pending_write(&self) -> bool {
        self.writing
    }

    /// Hands out read-ahead into `dst`; returns how many bytes.
    pub(super) fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = self.unread().min(dst.len());
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// Room before the pending write should be sent.
    pub(super) fn write_room(&self) -> usize {
        if self.writing {
            CHUNK.saturating_sub(self.data.len())
        } else {
            CHUNK
        }
    }

    /// Accepts up to `room` bytes of `src` (all of a large `src` into an empty buffer, up
    /// to `MAX_OP`) as pending write; discards read-ahead first. `src` is not empty.
    pub(super) fn accept_write(&mut self, src: &[u8]) -> usize {
        if !self.writing {
            self.seek_back = self.unread() as u64;
            self.data.clear();
            self.pos = 0;
            self.writing = true;
        }
        let n = if self.data.is_empty() {
            src.len().min(MAX_OP)
        } else {
            src.len().min(self.write_room())
        };
        self.data.extend_from_slice(&src[..n]);
        n
    }

    /// Whether the pending write is big enough to send now.
    pub(super) fn write_is_full(&self) -> bool {
        self.writing && self.data.len() >= CHUNK
    }

    /// Runs `op` on the file; the blocking half of every `File` operation.
    pub(super) fn run(mut self, op: Op, file: &fs::File) -> (Buf, Outcome) {
        let outcome = match op {
            Op::Read(len) => Outcome::Read(self.fill(file, len)),
            Op::Write => Outcome::Write(self.flush(file)),
            Op::Seek(pos) => {
                let pos = match pos {
                    SeekFrom::Current(n) => SeekFrom::Current(n - self.unread() as i64),
                    other => other,
                };
                self.data.clear();
                self.pos = 0;
                Outcome::Seek((&*file).seek(pos))
            }
        };
        (self, outcome)
    }

    fn fill(&mut self, file: &fs::File, len: usize) -> io::Result<()> {
        debug_assert!(self.unread() == 0 && !self.writing);
        self.data.clear();
        self.pos = 0;
        self.data.reserve(len);
        loop {
            match read_fd_uninit(file.as_fd(), &mut self.data.spare_capacity_mut()[..len]) {
                Ok(n) => {
                    // SAFETY: read(2) initialised the first `n` bytes of the spare
                    // capacity (`read_fd_uninit`'s contract), and `n <= len <= capacity`.
                    unsafe { self.data.set_len(n) };
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn flush(&mut self, file: &fs::File) -> io::Result<()> {
        let mut file = file;
        let result = (|| {
            if self.seek_back > 0 {
                file.seek(SeekFrom::Current(-(self.seek_back as i64)))?;
            }
            file.write_all(&self.data)
        })();
        // Sent or failed, the bytes are gone from the buffer either way: a failed write
        // is reported once, by the next operation, as with std's `BufWriter`.
        self.data.clear();
        self.pos = 0;
        self.writing = false;
        self.seek_back = 0;
        result
    }
}
