//! The tiles demo: an edge filter cut into tiles and run on a thread pool.
//!
//! The pipeline, file by file:
//!
//! 1. [`image_gen`] draws a deterministic test picture (or [`codec`] loads a PNG/JPEG)
//!    into a [`GrayF32`], one `f32` intensity per pixel;
//! 2. [`tiling`] cuts the image into a [`TileGrid`] of output rectangles ([`rect`]) and
//!    gives each tile a [`TileJob`] that owns its piece of the output buffer;
//! 3. each job runs the [`filter`] (separable Gaussian blur, then Sobel magnitude, built
//!    from the [`kernel`]) on its tile, reading its input window: the tile plus a halo of
//!    `blur radius + 1` pixels;
//! 4. [`pool_run`] runs all jobs on a spindle-pool `ThreadPool`, recording which worker
//!    and which CPU core ran each tile, and [`placement`] prints that as a map.
//!
//! 5. [`processes`] runs the same tiles in child processes instead, copying pixels
//!    through pipes ([`band_wire`]), and [`mode_comparison`] times both side by side.
//!
//! Because borders clamp to the IMAGE edge (not the tile's), the tiled result equals the
//! single-threaded whole-image result bit for bit; the tests in this module check it
//! against a naive per-pixel transcription of the formulas.

pub mod band_wire;
pub mod codec;
pub mod filter;
pub mod gray;
pub mod image_gen;
pub mod kernel;
pub mod mode_comparison;
pub mod placement;
pub mod pool_run;
pub mod processes;
pub mod rect;
pub mod tiling;

#[cfg(test)]
mod equivalence_tests;

pub use codec::{CodecError, load_gray, save_gray};
pub use filter::{EdgeFilter, FilterScratch};
pub use gray::{GrayF32, ImageWindow};
pub use image_gen::test_image;
pub use kernel::{GaussianKernel, InvalidSigma};
pub use mode_comparison::{ModeComparison, compare_modes};
pub use placement::{TileRecord, render_placement};
pub use pool_run::{PoolRun, filter_on_pool};
pub use processes::{
    ProcessRun, WORKER_FLAG, WorkerCommand, filter_in_processes, is_worker_invocation,
    run_as_worker_if_asked, serve_band,
};
pub use rect::Rect;
pub use tiling::{Tile, TileGrid, TileJob, TilingError};
