//! Running the tile jobs on a spindle-pool `ThreadPool`, and noting where each ran.
//!
//! [`filter_on_pool`] is the whole parallel algorithm:
//!
//! 1. allocate the output and split it into one [`TileJob`](super::TileJob) per tile
//!    ([`TileGrid::jobs`]: disjoint `&mut` rows, so no locks);
//! 2. open a `pool.scope`, and spawn one job per tile. A scope, like
//!    `std::thread::scope` or `rayon::scope`, does not return before every job spawned in
//!    it has finished, which is what lets the jobs borrow the source image, the filter and
//!    the output from this stack frame instead of needing `'static` data (`Arc`s, copies);
//! 3. each job notes the worker index and the CPU core it runs on
//!    (`ThreadPool::current_thread_index`, `spindle_pool::current_cpu`) in its own
//!    [`TileRecord`] (also borrowed disjointly), then filters its tile.
//!
//! Tiles are spawned in row-major order. There are many more tiles than workers (192 for a
//! 4000x3000 image in 256-pixel tiles), so the pool balances the load by itself: a worker
//! that finishes early just takes the next tile. The same jobs run on rayon in the
//! benches (`benches/benches/pool.rs`), so the race compares the pools, not the filters.

use std::time::{Duration, Instant};

use spindle_pool::{ThreadPool, current_cpu};

use super::filter::EdgeFilter;
use super::gray::GrayF32;
use super::placement::TileRecord;
use super::tiling::TileGrid;

/// The result of one tiled run.
#[derive(Debug)]
pub struct PoolRun {
    /// The filtered image.
    pub output: GrayF32,
    /// One record per tile, in tile order.
    pub records: Vec<TileRecord>,
    /// Wall time of the run, from allocating the output to the last tile finishing.
    pub wall: Duration,
}

/// Filters `src` tile by tile on `pool`; the result equals `filter.apply(src)` bit for bit.
///
/// # Panics
/// If `grid` was not made for an image of `src`'s size.
pub fn filter_on_pool(
    pool: &ThreadPool,
    filter: &EdgeFilter,
    src: &GrayF32,
    grid: &TileGrid,
) -> PoolRun {
    assert_eq!(
        (grid.width(), grid.height()),
        (src.width(), src.height()),
        "the tile grid must be made for the image being filtered"
    );
    let start = Instant::now();
    let mut output = GrayF32::new(src.width(), src.height());
    let jobs = grid.jobs(output.pixels_mut());
    let mut records: Vec<TileRecord> = jobs
        .iter()
        .map(|job| TileRecord {
            tile: job.tile(),
            worker: None,
            cpu: None,
            elapsed: Duration::ZERO,
        })
        .collect();
    pool.scope(|s| {
        for (job, record) in jobs.into_iter().zip(records.iter_mut()) {
            s.spawn(move || {
                record.worker = ThreadPool::current_thread_index();
                record.cpu = current_cpu();
                let started = Instant::now();
                job.run(filter, src);
                record.elapsed = started.elapsed();
            });
        }
    });
    PoolRun {
        output,
        records,
        wall: start.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::equivalence_tests::{TILE_SIZES, assert_identical};
    use crate::tiles::image_gen::test_image;

    #[test]
    fn pools_of_one_and_two_threads_equal_the_whole_image() {
        let src = test_image(97, 61);
        let filter = EdgeFilter::new(2.0).unwrap();
        let whole = filter.apply(&src);
        for threads in [1, 2] {
            let pool = ThreadPool::new(threads).unwrap();
            for (tw, th) in TILE_SIZES {
                let grid = TileGrid::new(97, 61, tw, th).unwrap();
                let run = filter_on_pool(&pool, &filter, &src, &grid);
                let what = format!("{threads} threads, tiles {tw}x{th}");
                assert_identical(&run.output, &whole, &what);
                assert_eq!(run.records.len(), grid.len(), "{what}");
                for (i, record) in run.records.iter().enumerate() {
                    assert_eq!(record.tile.index, i, "{what}");
                    let worker = record.worker.expect("tiles run on pool workers");
                    assert!(worker < threads, "{what}: worker {worker}");
                }
            }
        }
    }
}
