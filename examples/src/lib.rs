//! Code shared by the examples (and by the benches, which time the same workloads).
//!
//! * [`tiles`]: the image-processing demo (`cargo run --release --example tiles`): a
//!   Gaussian-blur + Sobel edge filter cut into tiles with halos and run on spindle-pool.
//! * [`http`]: the routes of the HTTP server (`cargo run --release --example http`).

pub mod http;
pub mod tiles;
