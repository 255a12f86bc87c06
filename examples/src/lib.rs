//! Code shared by the examples (and by the benches, which time the same workloads).
//!
//! * [`tiles`]: the image-processing demo (`cargo run --release --example tiles`): a
//!   Gaussian-blur + Sobel edge filter cut into tiles with halos and run on spindle-pool,
//!   or in child processes (`--mode processes`).
//! * [`train`]: the training demo (`cargo run --release --example train`): a small neural
//!   network learns the UCI handwritten digits with gradients sharded on a pool, and its
//!   data loading, evaluation and checkpoints as spindle tasks alongside.
//! * [`scrape`]: the scraping demo (`cargo run --release --example scrape`): one crawler,
//!   three strategies (sequential, a thread per request, spindle tasks) on a local site.
//! * [`concepts`]: the book chapter's concepts, one small program each
//!   (`cargo run --release --example race`, ... see `examples/concepts/`).
//! * [`http`]: the routes of the HTTP server (`cargo run --release --example http`).

pub mod concepts;
pub mod http;
pub mod scrape;
pub mod tiles;
pub mod train;
