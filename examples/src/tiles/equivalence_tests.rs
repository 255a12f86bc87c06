//! Tiled == whole-image == the formulas, bit for bit.
//!
//! `naive_edges` transcribes the module docs of `filter.rs` pixel by pixel, with the
//! clamping written out at every read and the same summation order; it shares no code
//! with the fast path. The tests then check, on images whose sizes are not multiples of
//! the tile sizes (and on images smaller than the kernel):
//!
//! * the fast whole-image filter equals the naive one (`f32::to_bits`, every pixel);
//! * running the tiles one by one, in any order, equals the whole-image filter;
//! * running them on spindle-pool pools of 1 and 2 threads equals it too (in
//!   `pool_run`'s tests, next to the driver), and so do the 8-bit outputs.

use super::filter::EdgeFilter;
use super::gray::GrayF32;
use super::image_gen::test_image;
use super::tiling::TileGrid;

/// The filter, one pixel at a time, straight from the formulas.
pub(crate) fn naive_edges(src: &GrayF32, sigma: f32) -> GrayF32 {
    let filter = EdgeFilter::new(sigma).unwrap();
    let w = filter.kernel().weights();
    let r = filter.kernel().radius() as isize;
    let (width, height) = (src.width() as isize, src.height() as isize);
    let cx = |x: isize| x.clamp(0, width - 1) as usize;
    let cy = |y: isize| y.clamp(0, height - 1) as usize;
    let horizontal = |x: isize, y: isize| {
        let mut acc = w[0] * src.get(cx(x - r), cy(y));
        for (k, &wk) in w.iter().enumerate().skip(1) {
            acc += wk * src.get(cx(x + k as isize - r), cy(y));
        }
        acc
    };
    let blurred = |x: isize, y: isize| {
        let (x, y) = (cx(x) as isize, cy(y) as isize);
        let mut acc = w[0] * horizontal(x, y - r);
        for (k, &wk) in w.iter().enumerate().skip(1) {
            acc += wk * horizontal(x, y + k as isize - r);
        }
        acc
    };
    let mut out = Vec::with_capacity(src.width() * src.height());
    for y in 0..height {
        for x in 0..width {
            let b = |dx: isize, dy: isize| blurred(x + dx, y + dy);
            let gx = (b(1, -1) + 2.0 * b(1, 0) + b(1, 1)) - (b(-1, -1) + 2.0 * b(-1, 0) + b(-1, 1));
            let gy = (b(-1, 1) + 2.0 * b(0, 1) + b(1, 1)) - (b(-1, -1) + 2.0 * b(0, -1) + b(1, -1));
            out.push((gx * gx + gy * gy).sqrt());
        }
    }
    GrayF32::from_pixels(src.width(), src.height(), out)
}

/// Runs the grid's jobs on this thread, in reverse order (order must not matter).
pub(crate) fn tiled_sequential(filter: &EdgeFilter, src: &GrayF32, grid: &TileGrid) -> GrayF32 {
    let mut out = GrayF32::new(src.width(), src.height());
    let mut jobs = grid.jobs(out.pixels_mut());
    while let Some(job) = jobs.pop() {
        job.run(filter, src);
    }
    out
}

#[track_caller]
pub(crate) fn assert_identical(actual: &GrayF32, expected: &GrayF32, what: &str) {
    if let Some(i) = actual.first_bit_difference(expected) {
        let (x, y) = (i % expected.width().max(1), i / expected.width().max(1));
        panic!(
            "{what}: pixel ({x}, {y}) differs: {} vs {}",
            actual.pixels()[i],
            expected.pixels()[i]
        );
    }
    assert_eq!(
        actual.to_luma8(4.0),
        expected.to_luma8(4.0),
        "{what}: bytes"
    );
}

/// Tile sizes that divide nothing, are tiny, are thinner than the halo, or are larger
/// than the image.
pub(crate) const TILE_SIZES: [(usize, usize); 7] = [
    (16, 16),
    (20, 13),
    (1, 1),
    (3, 50),
    (50, 7),
    (97, 61),
    (200, 200),
];

#[test]
fn fast_whole_image_equals_the_formulas() {
    for sigma in [0.6, 2.0, 3.3] {
        let src = test_image(97, 61);
        let fast = EdgeFilter::new(sigma).unwrap().apply(&src);
        assert_identical(&fast, &naive_edges(&src, sigma), &format!("sigma {sigma}"));
    }
}

#[test]
fn images_smaller_than_the_kernel_clamp_correctly() {
    for (w, h) in [(1, 1), (1, 5), (5, 1), (2, 3), (9, 4), (13, 14)] {
        let src = test_image(w, h);
        let filter = EdgeFilter::new(2.0).unwrap();
        let whole = filter.apply(&src);
        assert_identical(&whole, &naive_edges(&src, 2.0), &format!("{w}x{h}"));
        let grid = TileGrid::new(w, h, 2, 3).unwrap();
        let tiled = tiled_sequential(&filter, &src, &grid);
        assert_identical(&tiled, &whole, &format!("{w}x{h} in 2x3 tiles"));
    }
}

#[test]
fn an_empty_image_filters_to_an_empty_image() {
    let filter = EdgeFilter::new(2.0).unwrap();
    for (w, h) in [(0, 0), (0, 3), (4, 0)] {
        let out = filter.apply(&GrayF32::new(w, h));
        assert_eq!((out.width(), out.height(), out.pixels().len()), (w, h, 0));
    }
}

#[test]
fn tiles_equal_the_whole_image() {
    let src = test_image(97, 61);
    let filter = EdgeFilter::new(2.0).unwrap();
    let whole = filter.apply(&src);
    for (tw, th) in TILE_SIZES {
        let grid = TileGrid::new(97, 61, tw, th).unwrap();
        let tiled = tiled_sequential(&filter, &src, &grid);
        assert_identical(&tiled, &whole, &format!("tiles {tw}x{th}"));
    }
}

#[test]
fn the_filter_finds_edges_and_ignores_flat_areas() {
    // A flat image has no gradient at all; a vertical step has one where it steps.
    let flat = GrayF32::from_pixels(40, 30, vec![0.5; 1200]);
    let filter = EdgeFilter::new(2.0).unwrap();
    assert!(filter.apply(&flat).pixels().iter().all(|&v| v.abs() < 1e-5));

    let step: Vec<f32> = (0..1200)
        .map(|i| if i % 40 < 20 { 0.0 } else { 1.0 })
        .collect();
    let edges = filter.apply(&GrayF32::from_pixels(40, 30, step));
    let row = edges.row(15);
    let peak = (0..40).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
    assert!(peak == 19 || peak == 20, "peak at {peak}");
    assert!(
        row[peak] > 0.5 && row[2] < 1e-3 && row[37] < 1e-3,
        "{row:?}"
    );
}
