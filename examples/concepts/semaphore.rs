//! A semaphore: K permits, never more than K tasks in their critical part.
//!
//! ```text
//! cargo run --release --example semaphore [-- OUT_DIR]
//! ```
//! Writes `OUT_DIR/semaphore.svg` (default `concepts-out/`): at most K pool lanes busy
//! at once. The logic, explained, is in `examples/src/concepts/semaphore.rs`.

use spindle_examples::concepts::{pictures, semaphore};

fn main() -> std::io::Result<()> {
    let report = semaphore::run(&semaphore::Config::demo())?;
    pictures::show(&report, &[("semaphore", &report.trace)])
}
