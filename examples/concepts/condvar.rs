//! Condition variables: a bounded producer/consumer queue with std `Condvar`, then with
//! spindle's `Notify` and `mpsc`; spurious wake-ups and the while-loop rule.
//!
//! ```text
//! cargo run --release --example condvar [-- OUT_DIR]
//! ```
//! Writes `OUT_DIR/condvar.svg` (default `concepts-out/`): the producer and consumer
//! tasks of the `Notify` and `mpsc` runs. The logic, explained, is in
//! `examples/src/concepts/condvar.rs`.

use spindle_examples::concepts::{condvar, pictures};

fn main() -> std::io::Result<()> {
    let report = condvar::run(&condvar::Config::demo())?;
    pictures::show(&report, &[("condvar", &report.trace)])
}
