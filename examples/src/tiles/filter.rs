//! The edge filter: separable Gaussian blur, then Sobel gradient magnitude, on any
//! rectangle of an image, reading only that rectangle plus a halo.
//!
//! # The algorithm, for one output rectangle `R = [x0, x1) x [y0, y1)`
//!
//! With `r` the blur radius, `w[0..=2r]` the kernel, `S` the source image of size
//! `W x H` and `c(.)` clamping a coordinate into the IMAGE (`0..W` or `0..H`):
//!
//! 1. horizontal blur  `Hz(x, y) = sum_k w[k] * S(c(x + k - r), y)`
//! 2. vertical blur    `B(x, y)  = sum_k w[k] * Hz(x, c(y + k - r))`
//! 3. Sobel            `gx = (B(c(x+1), c(y-1)) + 2 B(c(x+1), y) + B(c(x+1), c(y+1)))
//!                          - (B(c(x-1), c(y-1)) + 2 B(c(x-1), y) + B(c(x-1), c(y+1)))`,
//!    `gy` the same with rows and columns swapped, and `out = sqrt(gx^2 + gy^2)`.
//!
//! Sobel at `R` needs `B` on `R` grown by one pixel (clipped to the image); that `B` needs
//! `Hz` on `r` more rows; that `Hz` needs `S` on `r` more columns. So a tile reads its
//! source on `R` grown by `halo = r + 1` pixels: [`EdgeFilter::halo`].
//!
//! # Why tiles give the whole-image result bit for bit
//!
//! Borders clamp to the image border, never to the tile border: a tile in the middle of
//! the image reads its real neighbours' pixels (they are in its halo), and only a tile
//! touching the image edge repeats edge pixels, exactly as the whole-image run does.
//! Each output pixel is then the same sequence of f32 operations, in the same order
//! (`acc = w[0] * p0; acc += w[1] * p1; ...`, left-associated Sobel sums), whichever
//! rectangle it was computed in, and IEEE-754 arithmetic is deterministic: same inputs,
//! same order, same bits. (Rust never contracts `a * b + c` into an FMA on its own, so
//! compiler flags cannot change this.) The tests compare tiles against the whole-image
//! run and both against a naive per-pixel transcription of the formulas above.
//!
//! # Making it fast
//!
//! Every pass walks contiguous rows, and groups [`LANES`] neighbouring output pixels
//! whose accumulators live in a fixed-size array: the compiler keeps them in vector
//! registers and turns each `acc[l] += w * row[j + k + l]` into one SIMD multiply-add
//! pair, without reordering any pixel's own sum (which would change the bits). Clamping is
//! done once per row, not per pixel: rows that reach past the image's left or right edge
//! are copied into a padded buffer, all others are read in place. All buffers live in a
//! reusable [`FilterScratch`] and are never zero-filled (every element read was written
//! first), so there is no allocation per pixel, and none per tile once a worker's scratch
//! has grown to tile size.

use super::gray::{GrayF32, ImageWindow};
use super::kernel::{GaussianKernel, InvalidSigma};
use super::rect::Rect;

/// How many neighbouring output pixels one inner loop computes together: sixteen f32s are
/// four SSE registers on the baseline x86-64 target (two with AVX). Each pixel's sum is a
/// chain of dependent adds (about 4 cycles each), so the loop needs several independent
/// chains in flight; measured on the 4000x3000 demo image, 16 lanes ran the tiled filter
/// in 58 ms against 71 ms for 8 lanes, and 32 lanes gained almost nothing more.
pub const LANES: usize = 16;

/// Gaussian blur (given sigma) followed by Sobel gradient magnitude.
#[derive(Clone, Debug)]
pub struct EdgeFilter {
    kernel: GaussianKernel,
}

/// Reusable buffers for [`EdgeFilter::apply_region`]; they grow to the largest region seen.
#[derive(Default, Debug)]
pub struct FilterScratch {
    /// One source row with clamped padding: `bw + 2r` samples.
    padded_row: Vec<f32>,
    /// Horizontally blurred rows: `(bh + 2r)` rows of `bw` samples.
    horizontal: Vec<f32>,
    /// The blurred region with a one-pixel clamped border: `(h + 2) x (w + 2)`.
    blurred: Vec<f32>,
}

impl EdgeFilter {
    /// The sigma the demo uses: strong enough to smooth text-like stripes into soft edges.
    pub const DEFAULT_SIGMA: f32 = 2.0;

    /// A filter blurring with a Gaussian of standard deviation `sigma` pixels.
    pub fn new(sigma: f32) -> Result<EdgeFilter, InvalidSigma> {
        Ok(EdgeFilter {
            kernel: GaussianKernel::new(sigma)?,
        })
    }

    /// The blur kernel.
    pub fn kernel(&self) -> &GaussianKernel {
        &self.kernel
    }

    /// Pixels of input needed around an output rectangle: the blur radius, plus one for
    /// Sobel's 3x3 neighbourhood.
    pub fn halo(&self) -> usize {
        self.kernel.radius() + 1
    }

    /// Filters the whole image on the calling thread: the single-threaded reference.
    pub fn apply(&self, src: &GrayF32) -> GrayF32 {
        let mut out = GrayF32::new(src.width(), src.height());
        if src.bounds().is_empty() {
            return out;
        }
        let mut rows: Vec<&mut [f32]> = out.pixels_mut().chunks_mut(src.width()).collect();
        self.apply_region(
            src.whole(),
            src.bounds(),
            &mut rows,
            &mut FilterScratch::default(),
        );
        out
    }

    /// Filters the pixels of `region`, writing row `i` of the result to `out[i]`.
    ///
    /// `src` must be allowed to read `region` grown by [`EdgeFilter::halo`] (clipped to
    /// the image); the result is bit-identical to the same pixels of [`EdgeFilter::apply`].
    ///
    /// # Panics
    /// If `region` is not inside the image, if `out` does not hold `region.height` rows of
    /// `region.width` samples, or if the window is smaller than region plus halo.
    pub fn apply_region(
        &self,
        src: ImageWindow<'_>,
        region: Rect,
        out: &mut [&mut [f32]],
        scratch: &mut FilterScratch,
    ) {
        let (image_w, image_h) = src.image_size();
        let image = Rect::of_image(image_w, image_h);
        assert!(
            image.contains_rect(&region),
            "region {region} is outside the {image_w}x{image_h} image"
        );
        assert!(
            out.len() == region.height && out.iter().all(|row| row.len() == region.width),
            "output must be {} rows of {} samples for region {region}",
            region.height,
            region.width
        );
        if region.is_empty() {
            return;
        }
        let needed = region.expand_within(self.halo(), &image);
        assert!(
            src.rect().contains_rect(&needed),
            "input window {} does not cover region {region} plus its halo of {} ({needed})",
            src.rect(),
            self.halo()
        );

        // The blurred values Sobel reads: region grown by one pixel, clipped to the image.
        let blur = region.expand_within(1, &image);
        let (w, h) = (region.width, region.height);
        let FilterScratch {
            padded_row,
            horizontal,
            blurred,
        } = scratch;
        self.blur_into_bordered(src, region, blur, padded_row, horizontal, blurred);
        sobel_magnitude(&blurred[..(w + 2) * (h + 2)], w, out);
    }

    /// Steps 1 and 2: fills `bordered` (`(h + 2) x (w + 2)`, row-major) with `B` at the
    /// clamped coordinates `c(x0 - 1 ..= x1)` x `c(y0 - 1 ..= y1)`.
    fn blur_into_bordered(
        &self,
        src: ImageWindow<'_>,
        region: Rect,
        blur: Rect,
        padded_row: &mut Vec<f32>,
        horizontal: &mut Vec<f32>,
        bordered: &mut Vec<f32>,
    ) {
        let (image_w, image_h) = src.image_size();
        let r = self.kernel.radius();
        let weights = self.kernel.weights();
        let (bw, bh) = (blur.width, blur.height);

        // Step 1: horizontal blur of every source row the vertical pass will touch,
        // rows c(blur.y - r) ..= c(blur.bottom() - 1 + r), each over columns blur.x..
        let padded_row = grown(padded_row, bw + 2 * r);
        let horizontal = grown(horizontal, (bh + 2 * r) * bw);
        for (t, out_row) in horizontal.chunks_exact_mut(bw).enumerate() {
            let y = clamp_coord(blur.y as isize + t as isize - r as isize, image_h);
            let source = clamped_row(padded_row, src, y, blur.x as isize - r as isize, image_w);
            convolve_row(source, weights, out_row);
        }

        // Step 2: vertical blur into the bordered buffer. Its column 0 and row 0 stand
        // for x0 - 1 and y0 - 1; where those are outside the image (offset 1 below) the
        // clamped duplicate is filled in afterwards.
        let (w, h) = (region.width, region.height);
        let stride = w + 2;
        let bordered = grown(bordered, stride * (h + 2));
        let off_x = blur.x + 1 - region.x; // 0, or 1 when region.x == 0
        let off_y = blur.y + 1 - region.y;
        for t in 0..bh {
            let dst_start = (t + off_y) * stride + off_x;
            let dst = &mut bordered[dst_start..dst_start + bw];
            convolve_column(&horizontal[t * bw..], bw, weights, dst);
        }
        // Clamp the one-pixel border to the image edge where the region touches it.
        if region.x == 0 {
            for row in bordered.chunks_exact_mut(stride) {
                row[0] = row[1];
            }
        }
        if region.right() == image_w {
            for row in bordered.chunks_exact_mut(stride) {
                row[w + 1] = row[w];
            }
        }
        if region.y == 0 {
            bordered.copy_within(stride..2 * stride, 0);
        }
        if region.bottom() == image_h {
            bordered.copy_within(h * stride..(h + 1) * stride, (h + 1) * stride);
        }
    }
}

/// Clamps a possibly negative coordinate into `0..len` (the image border rule).
fn clamp_coord(v: isize, len: usize) -> usize {
    v.clamp(0, len as isize - 1) as usize
}

/// `buf[..len]`, growing `buf` if needed. Old contents are left in place: every caller
/// overwrites every element it reads, so zero-filling 300 KB per tile would be wasted
/// (about 4 % of the tiles bench in `memset`, measured with perf).
fn grown(buf: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
    &mut buf[..len]
}

/// The samples `S(c(first_x + i), y)` for `i in 0..padded.len()`: one source row with the
/// image-border clamping applied once, so the convolution never branches. Rows that need
/// no clamping (all but those at the image's left and right edges) are borrowed straight
/// from the image; only edge rows are copied into `padded` and padded there.
fn clamped_row<'s>(
    padded: &'s mut [f32],
    src: ImageWindow<'s>,
    y: usize,
    first_x: isize,
    width: usize,
) -> &'s [f32] {
    let window = src.rect();
    let row = src.row(y);
    let len = padded.len();
    if first_x >= 0 && first_x as usize + len <= width {
        let start = first_x as usize - window.x;
        return &row[start..start + len];
    }
    fill_clamped(padded, row, window.x, first_x, width);
    padded
}

/// Fills `padded` with `S(c(first_x + i), y)` from `row`, the window's part of row `y`
/// (whose first sample is image column `window_x`).
fn fill_clamped(padded: &mut [f32], row: &[f32], window_x: usize, first_x: isize, width: usize) {
    let len = padded.len() as isize;
    // Split `padded` into [left clamp | copied from the image | right clamp].
    let copy_from = first_x.max(0);
    let copy_to = (first_x + len).min(width as isize);
    let left = (copy_from - first_x) as usize;
    let middle = (copy_to - copy_from).max(0) as usize;
    let src_start = copy_from as usize - window_x;
    padded[left..left + middle].copy_from_slice(&row[src_start..src_start + middle]);
    // Columns left of the image repeat column 0, right of it column width - 1. Only a
    // window touching that border needs (and so can supply) the edge pixel.
    if left > 0 {
        debug_assert_eq!(
            window_x, 0,
            "a left-clamped row comes from a window at x = 0"
        );
        padded[..left].fill(row[0]);
    }
    if left + middle < padded.len() {
        padded[left + middle..].fill(row[width - 1 - window_x]);
    }
}

/// `out[j] = sum_k weights[k] * padded[j + k]`, in `k` order, `LANES` outputs at a time.
fn convolve_row(padded: &[f32], weights: &[f32], out: &mut [f32]) {
    let n = out.len();
    let taps = weights.len();
    assert!(padded.len() >= n + taps - 1);
    let mut j = 0;
    while j + LANES <= n {
        let mut acc = [0.0f32; LANES];
        let first = &padded[j..j + LANES];
        for l in 0..LANES {
            acc[l] = weights[0] * first[l];
        }
        for (k, &wk) in weights.iter().enumerate().skip(1) {
            let lane = &padded[j + k..j + k + LANES];
            for l in 0..LANES {
                acc[l] += wk * lane[l];
            }
        }
        out[j..j + LANES].copy_from_slice(&acc);
        j += LANES;
    }
    for (jj, o) in out.iter_mut().enumerate().skip(j) {
        let mut acc = weights[0] * padded[jj];
        for (k, &wk) in weights.iter().enumerate().skip(1) {
            acc += wk * padded[jj + k];
        }
        *o = acc;
    }
}

/// `out[j] = sum_k weights[k] * rows[k * stride + j]`: the vertical pass, reading
/// `weights.len()` consecutive rows of `stride` samples starting at `rows[0]`.
fn convolve_column(rows: &[f32], stride: usize, weights: &[f32], out: &mut [f32]) {
    let n = out.len();
    let taps = weights.len();
    assert!(n <= stride && rows.len() >= (taps - 1) * stride + n);
    let mut j = 0;
    while j + LANES <= n {
        let mut acc = [0.0f32; LANES];
        let first = &rows[j..j + LANES];
        for l in 0..LANES {
            acc[l] = weights[0] * first[l];
        }
        for (k, &wk) in weights.iter().enumerate().skip(1) {
            let lane = &rows[k * stride + j..k * stride + j + LANES];
            for l in 0..LANES {
                acc[l] += wk * lane[l];
            }
        }
        out[j..j + LANES].copy_from_slice(&acc);
        j += LANES;
    }
    for (jj, o) in out.iter_mut().enumerate().skip(j) {
        let mut acc = weights[0] * rows[jj];
        for (k, &wk) in weights.iter().enumerate().skip(1) {
            acc += wk * rows[k * stride + jj];
        }
        *o = acc;
    }
}

/// Step 3: Sobel magnitude from the bordered blur (`(h + 2)` rows of `w + 2`).
fn sobel_magnitude(bordered: &[f32], w: usize, out: &mut [&mut [f32]]) {
    let stride = w + 2;
    for (i, out_row) in out.iter_mut().enumerate() {
        let up = &bordered[i * stride..(i + 1) * stride];
        let mid = &bordered[(i + 1) * stride..(i + 2) * stride];
        let down = &bordered[(i + 2) * stride..(i + 3) * stride];
        // Re-slice to exactly `w` so the compiler can drop the bounds checks.
        let (ul, uc, ur) = (&up[..w], &up[1..w + 1], &up[2..w + 2]);
        let (ml, mr) = (&mid[..w], &mid[2..w + 2]);
        let (dl, dc, dr) = (&down[..w], &down[1..w + 1], &down[2..w + 2]);
        let out_row = &mut out_row[..w];
        for j in 0..w {
            let gx = (ur[j] + 2.0 * mr[j] + dr[j]) - (ul[j] + 2.0 * ml[j] + dl[j]);
            let gy = (dl[j] + 2.0 * dc[j] + dr[j]) - (ul[j] + 2.0 * uc[j] + ur[j]);
            out_row[j] = (gx * gx + gy * gy).sqrt();
        }
    }
}
