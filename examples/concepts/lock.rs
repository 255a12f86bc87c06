//! Locks: std `Mutex` vs spindle's async `Mutex` under contention, and why a std guard
//! held across `.await` is wrong.
//!
//! ```text
//! cargo run --release --example lock [-- OUT_DIR]
//! ```
//! Writes `OUT_DIR/lock.svg` (default `concepts-out/`): the one lane of the
//! current-thread runtime, taken by the `try_lock` waiter. The logic, explained, is in
//! `examples/src/concepts/lock.rs`.

use spindle_examples::concepts::{lock, pictures};

fn main() -> std::io::Result<()> {
    let report = lock::run(&lock::Config::demo())?;
    pictures::show(&report, &[("lock", &report.trace)])
}
