//! Deadlock: two locks taken in opposite orders, detected by a timeout, then fixed by
//! a lock order.
//!
//! ```text
//! cargo run --release --example deadlock [-- OUT_DIR]
//! ```
//! Writes `OUT_DIR/deadlock.svg` (default `concepts-out/`): a few polls, then idle
//! workers until the watchdog fires, then the ordered rounds. The logic, explained, is in
//! `examples/src/concepts/deadlock.rs`.

use spindle_examples::concepts::{deadlock, pictures};

fn main() -> std::io::Result<()> {
    let report = deadlock::run(&deadlock::Config::demo())?;
    pictures::show(&report, &[("deadlock", &report.trace)])
}
