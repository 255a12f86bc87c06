//! Code shared by the examples (and by the benches, which time the same workloads).
//!
//! * [`tiles`]: the image-processing demo (`cargo run --release --example tiles`): a
//!   Gaussian-blur + Sobel edge filter cut into tiles with halos and run on spindle-pool.
//! * [`concepts`]: the book chapter's concepts, one small program each
//!   (`cargo run --release --example race`, ... see `examples/concepts/`).
//! * [`http`]: the routes of the HTTP server (`cargo run --release --example http`).

pub mod concepts;
pub mod http;
pub mod tiles;
