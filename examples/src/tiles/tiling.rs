//! Cutting an image into tiles, and handing each tile its own piece of the output.
//!
//! # Tiles and halos
//!
//! A [`TileGrid`] cuts a `W x H` image into `tile_w x tile_h` output rectangles, row by
//! row, left to right; the last column and row of tiles are narrower or shorter when the
//! tile size does not divide the image. Output tiles never overlap, but their INPUTS do:
//! a filter with a 13-tap blur and a 3x3 Sobel needs `halo = 6 + 1` pixels of input
//! around each output pixel, so each tile reads [`Tile::input_rect`], its rectangle grown
//! by the halo and clipped to the image. The overlap is recomputed by both neighbours
//! (that is the price of independence: no tile waits for another). With 256-pixel tiles
//! and a halo of 7 the blur work grows by about `(270 * 270) / (256 * 256) - 1 = 11 %`.
//!
//! # Disjoint output without locks or `unsafe`
//!
//! Jobs on a pool run at the same time, so each must own the output pixels it writes.
//! A tile's pixels are not contiguous in a row-major image (each of its rows is a piece of
//! an image row), so [`TileGrid::jobs`] walks the output once, splits every image row at
//! the tile column boundaries with `split_at_mut`, and gives each tile the `tile_h`
//! pieces that belong to it. The borrow checker then proves the pieces disjoint, and a
//! [`TileJob`] can be moved into any pool job that borrows the output (a scoped job on
//! spindle-pool or rayon). This is the idea behind `rayon`'s `par_chunks_mut`, in 2-D.

use std::cell::RefCell;
use std::fmt;

use super::filter::{EdgeFilter, FilterScratch};
use super::gray::GrayF32;
use super::rect::Rect;

/// How an image is cut into output tiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileGrid {
    width: usize,
    height: usize,
    tile_w: usize,
    tile_h: usize,
    columns: usize,
    rows: usize,
}

/// One output tile of a [`TileGrid`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tile {
    /// Position in row-major order: `row * columns + column`.
    pub index: usize,
    /// Tile column in the grid.
    pub column: usize,
    /// Tile row in the grid.
    pub row: usize,
    /// The output pixels this tile computes.
    pub rect: Rect,
}

/// Why a grid could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TilingError {
    /// A tile side of zero pixels.
    EmptyTile,
    /// An image with no pixels.
    EmptyImage,
}

impl fmt::Display for TilingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TilingError::EmptyTile => write!(f, "tiles must be at least 1x1 pixels"),
            TilingError::EmptyImage => write!(f, "the image has no pixels to tile"),
        }
    }
}

impl std::error::Error for TilingError {}

impl TileGrid {
    /// Cuts a `width x height` image into tiles of at most `tile_w x tile_h` pixels.
    pub fn new(
        width: usize,
        height: usize,
        tile_w: usize,
        tile_h: usize,
    ) -> Result<TileGrid, TilingError> {
        if tile_w == 0 || tile_h == 0 {
            return Err(TilingError::EmptyTile);
        }
        if width == 0 || height == 0 {
            return Err(TilingError::EmptyImage);
        }
        Ok(TileGrid {
            width,
            height,
            tile_w,
            tile_h,
            columns: width.div_ceil(tile_w),
            rows: height.div_ceil(tile_h),
        })
    }

    /// Image width.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Image height.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Nominal tile size (edge tiles may be smaller).
    pub fn tile_size(&self) -> (usize, usize) {
        (self.tile_w, self.tile_h)
    }

    /// Tiles per grid row.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Rows of tiles.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of tiles.
    pub fn len(&self) -> usize {
        self.columns * self.rows
    }

    /// Always false: a grid has at least one tile.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tile at row-major `index`.
    ///
    /// # Panics
    /// If `index >= self.len()`.
    pub fn tile(&self, index: usize) -> Tile {
        assert!(
            index < self.len(),
            "tile {index} of a {}-tile grid",
            self.len()
        );
        let (row, column) = (index / self.columns, index % self.columns);
        let (x, y) = (column * self.tile_w, row * self.tile_h);
        Tile {
            index,
            column,
            row,
            rect: Rect::new(
                x,
                y,
                self.tile_w.min(self.width - x),
                self.tile_h.min(self.height - y),
            ),
        }
    }

    /// All tiles in row-major order.
    pub fn tiles(&self) -> impl ExactSizeIterator<Item = Tile> + '_ {
        (0..self.len()).map(|i| self.tile(i))
    }

    /// Splits `output` (row-major, `width * height` samples) into one job per tile, in
    /// row-major tile order; each job owns exactly its tile's output pixels.
    ///
    /// # Panics
    /// If `output.len() != width * height`.
    pub fn jobs<'out>(&self, output: &'out mut [f32]) -> Vec<TileJob<'out>> {
        assert_eq!(
            output.len(),
            self.width * self.height,
            "the output buffer must hold the {}x{} image",
            self.width,
            self.height
        );
        let mut jobs: Vec<TileJob<'out>> = self
            .tiles()
            .map(|tile| TileJob {
                tile,
                rows: Vec::with_capacity(tile.rect.height),
            })
            .collect();
        for (y, mut rest) in output.chunks_exact_mut(self.width).enumerate() {
            let first = (y / self.tile_h) * self.columns;
            for job in &mut jobs[first..first + self.columns] {
                let (piece, tail) = rest.split_at_mut(job.tile.rect.width);
                job.rows.push(piece);
                rest = tail;
            }
        }
        jobs
    }
}

impl Tile {
    /// The input this tile reads: its rectangle grown by `halo`, clipped to the image.
    pub fn input_rect(&self, halo: usize, image: &Rect) -> Rect {
        self.rect.expand_within(halo, image)
    }
}

/// One tile's work: the tile and the output rows it alone may write.
#[derive(Debug)]
pub struct TileJob<'out> {
    tile: Tile,
    rows: Vec<&'out mut [f32]>,
}

thread_local! {
    /// Each worker thread keeps one scratch, grown to the largest tile it has filtered:
    /// after the first tile, filtering allocates nothing (a fresh 300 KB buffer per tile
    /// would be an mmap and a round of page faults every time).
    static SCRATCH: RefCell<FilterScratch> = RefCell::new(FilterScratch::default());
}

impl TileJob<'_> {
    /// The tile this job computes.
    pub fn tile(&self) -> Tile {
        self.tile
    }

    /// Runs `filter` on this tile of `src`, reading only the tile's input window, and
    /// writes the tile's output pixels. Safe to call from any thread.
    pub fn run(mut self, filter: &EdgeFilter, src: &GrayF32) {
        let window = src.window(self.tile.input_rect(filter.halo(), &src.bounds()));
        SCRATCH.with(|scratch| {
            filter.apply_region(
                window,
                self.tile.rect,
                &mut self.rows,
                &mut scratch.borrow_mut(),
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_image_exactly_once() {
        let grid = TileGrid::new(97, 61, 20, 16).unwrap();
        assert_eq!((grid.columns(), grid.rows(), grid.len()), (5, 4, 20));
        let mut hits = vec![0u8; 97 * 61];
        for tile in grid.tiles() {
            for y in tile.rect.rows() {
                for x in tile.rect.columns() {
                    hits[y * 97 + x] += 1;
                }
            }
        }
        assert!(hits.iter().all(|&h| h == 1));
        assert_eq!(grid.tile(19).rect, Rect::new(80, 48, 17, 13));
    }

    #[test]
    fn jobs_own_their_tile_pixels() {
        let grid = TileGrid::new(7, 5, 3, 2).unwrap();
        let mut out = vec![0.0f32; 35];
        for job in grid.jobs(&mut out) {
            let tile = job.tile();
            assert_eq!(job.rows.len(), tile.rect.height);
            for row in job.rows {
                assert_eq!(row.len(), tile.rect.width);
                row.fill(tile.index as f32);
            }
        }
        for y in 0..5 {
            for x in 0..7 {
                let expected = (y / 2) * 3 + x / 3;
                assert_eq!(out[y * 7 + x], expected as f32, "pixel ({x}, {y})");
            }
        }
    }

    #[test]
    fn bad_grids_are_errors() {
        assert_eq!(TileGrid::new(10, 10, 0, 4), Err(TilingError::EmptyTile));
        assert_eq!(TileGrid::new(0, 10, 4, 4), Err(TilingError::EmptyImage));
    }
}
