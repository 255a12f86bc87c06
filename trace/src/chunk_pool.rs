//! Spare chunks, shared by every session in the process, so recording writes into
//! memory that is already mapped.
//!
//! ## Why
//!
//! The first write to a fresh page costs a page fault and the kernel zeroing it: ~1 µs
//! per 4 KiB here, ~4 ns per 16-byte event, a fifth of what a record costs. A benchmark
//! or a test suite builds runtime after runtime, each with fresh lanes; without reuse
//! every one of them pays again (the allocator returns freed 64 KiB blocks to the kernel
//! once enough are free, so it does not reliably help).
//!
//! ## Algorithm
//!
//! One global, mutex-guarded stack of emptied chunk buffers, at most [`MAX_SPARE`] of
//! them (16 MiB). A lane takes its buffer from it when it starts and when it hands a full
//! one over; a lane returns its buffer when dropped, and a lane's store returns every
//! chunk when the last owner (the lane or the recorder) lets go of it. The mutex is
//! taken once per 4,096 events, so it is never contended in practice.
//!
//! ## Invariant
//!
//! Every buffer in the pool is empty and has room for `CHUNK + 1` slots, exactly what a
//! lane's buffer needs (see `lane.rs`).

use std::sync::{Mutex, PoisonError};

use crate::encoding::Slot;
use crate::lane::CHUNK;

/// At most this many spare buffers are kept (256 × 64 KiB = 16 MiB).
pub(crate) const MAX_SPARE: usize = 256;

static SPARE: Mutex<Vec<Vec<Slot>>> = Mutex::new(Vec::new());

/// An empty buffer with room for `CHUNK + 1` slots: a spare one if any.
pub(crate) fn take() -> Vec<Slot> {
    let spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner).pop();
    spare.unwrap_or_else(|| Vec::with_capacity(CHUNK + 1))
}

/// Keeps `buf` for reuse if it is a full-sized chunk buffer and the pool has room.
pub(crate) fn give(mut buf: Vec<Slot>) {
    if buf.capacity() < CHUNK + 1 {
        return; // a flushed part, copied at its exact size: not worth keeping
    }
    buf.clear();
    let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
    if spare.len() < MAX_SPARE {
        spare.push(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_empty_and_big_enough() {
        let mut buf = take();
        assert!(buf.is_empty() && buf.capacity() > CHUNK);
        buf.push(Slot { ticks: 1, word: 2 });
        give(buf);
        give(Vec::with_capacity(3)); // too small: dropped, not pooled
        for _ in 0..4 {
            let b = take();
            assert!(b.is_empty() && b.capacity() > CHUNK);
        }
        let spare = SPARE.lock().unwrap();
        assert!(spare.len() <= MAX_SPARE);
        assert!(spare.iter().all(|b| b.is_empty() && b.capacity() > CHUNK));
    }
}
