//! Data-parallel helpers: `map`, `map_vec`, `for_each_chunk_mut`.
//!
//! All three cut the input into contiguous pieces and run one scope job per piece
//! (`scope.rs`). How many pieces? Enough that a worker that finishes early can steal
//! another piece (load balance), few enough that per-job costs (a box, a queue push, a
//! latch count) vanish next to the work: [`pieces`] uses 4 per thread, capped by the
//! input length. With contiguous pieces each worker streams through memory in order,
//! which is what makes a map over 10,000,000 `f64` memory-bound rather than
//! scheduling-bound. (rayon splits adaptively — halving until the pieces are about one
//! per thread, splitting again when a piece is stolen; fixed over-partitioning gets the
//! same balance for uniform work with less bookkeeping.)
//!
//! Results keep the input order: piece `i` writes output piece `i`, straight into the
//! final vector (`collect.rs`), so each result is written exactly once.

use crate::collect::Collector;
use crate::registry::Registry;
use std::sync::Arc;

/// Pieces per thread: enough slack for stealing to even out uneven pieces.
const PIECES_PER_THREAD: usize = 4;

/// How many pieces to cut `len` items into for a pool of `threads`.
fn pieces(threads: usize, len: usize) -> usize {
    (threads * PIECES_PER_THREAD).min(len).max(1)
}

/// The body of `ThreadPool::map`.
pub(crate) fn map<T, U, F>(registry: &Arc<Registry>, items: &[T], f: F) -> Vec<U>
where
    T: Sync,
    U: Send,
    F: Fn(&T) -> U + Sync,
{
    if items.is_empty() {
        return Vec::new();
    }
    let piece_len = items
        .len()
        .div_ceil(pieces(registry.num_threads(), items.len()));
    let mut output = Collector::new(items.len());
    let f = &f;
    crate::scope::scope(registry.clone(), |s| {
        for (input, mut writer) in items.chunks(piece_len).zip(output.writers(piece_len)) {
            s.spawn(move || writer.write_all(input.iter().map(f)));
        }
    });
    // `scope` re-raised any panic, so every piece is complete here.
    output
        .finish()
        .expect("every piece of map's output was written")
}

/// The body of `ThreadPool::map_vec`.
pub(crate) fn map_vec<T, U, F>(registry: &Arc<Registry>, items: Vec<T>, f: F) -> Vec<U>
where
    T: Send,
    U: Send,
    F: Fn(T) -> U + Sync,
{
    let len = items.len();
    if len == 0 {
        return Vec::new();
    }
    let piece_len = len.div_ceil(pieces(registry.num_threads(), len));
    // Cut from the back, so each `split_off` copies only the piece it cuts off.
    let mut rest = items;
    let mut inputs = Vec::new();
    while rest.len() > piece_len {
        let at = (rest.len() - 1) / piece_len * piece_len;
        inputs.push(rest.split_off(at));
    }
    inputs.push(rest);
    inputs.reverse();
    let mut output = Collector::new(len);
    let f = &f;
    crate::scope::scope(registry.clone(), |s| {
        for (input, mut writer) in inputs.into_iter().zip(output.writers(piece_len)) {
            s.spawn(move || writer.write_all(input.into_iter().map(f)));
        }
    });
    output
        .finish()
        .expect("every piece of map_vec's output was written")
}

/// The body of `ThreadPool::for_each_chunk_mut`.
pub(crate) fn for_each_chunk_mut<T, F>(
    registry: &Arc<Registry>,
    data: &mut [T],
    chunk_len: usize,
    f: F,
) where
    T: Send,
    F: Fn(usize, &mut [T]) + Sync,
{
    assert!(
        chunk_len > 0,
        "for_each_chunk_mut: chunk_len must be at least 1 (like slice::chunks_mut)"
    );
    let chunks = data.len().div_ceil(chunk_len);
    if chunks == 0 {
        return;
    }
    let per_piece = chunks.div_ceil(pieces(registry.num_threads(), chunks));
    let f = &f;
    crate::scope::scope(registry.clone(), |s| {
        for (piece, group) in data
            .chunks_mut(per_piece.saturating_mul(chunk_len))
            .enumerate()
        {
            s.spawn(move || {
                for (i, chunk) in group.chunks_mut(chunk_len).enumerate() {
                    f(piece * per_piece + i, chunk);
                }
            });
        }
    });
}
