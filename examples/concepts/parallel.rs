//! Concurrency is not parallelism: the same CPU-bound work on a current-thread runtime,
//! a multi-thread runtime and the pool.
//!
//! ```text
//! cargo run --release --example parallel [-- OUT_DIR]
//! ```
//! Prints the three times; writes `OUT_DIR/parallel.svg` (default `concepts-out/`): the
//! three runs on one time axis. The logic, explained, is in
//! `examples/src/concepts/parallel.rs`.

use spindle_examples::concepts::{parallel, pictures};

fn main() -> std::io::Result<()> {
    let report = parallel::run(&parallel::Config::demo())?;
    pictures::show(&report, &[("parallel", &report.trace)])
}
