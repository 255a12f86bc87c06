//! Threads: spawn and join OS threads, the same work as pool jobs, and what each costs.
//!
//! ```text
//! cargo run --release --example threads [-- OUT_DIR]
//! ```
//! Prints the results and the costs; writes `OUT_DIR/threads-pool.svg` (default
//! `concepts-out/`): the pieces as jobs on the pool's lanes. The logic, explained, is in
//! `examples/src/concepts/threads.rs`.

use spindle_examples::concepts::{pictures, threads};

fn main() -> std::io::Result<()> {
    let report = threads::run(&threads::Config::demo())?;
    pictures::show(&report, &[("threads-pool", &report.trace)])
}
