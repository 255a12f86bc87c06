//! The event loop: many coroutines on one thread (asyncio's model), and what a blocking
//! call does to it.
//!
//! ```text
//! cargo run --release --example event_loop [-- OUT_DIR]
//! ```
//! Writes `OUT_DIR/event_loop.svg` (default `concepts-out/`): one lane for every
//! coroutine. The logic, explained, is in `examples/src/concepts/event_loop.rs`.

use spindle_examples::concepts::{event_loop, pictures};

fn main() -> std::io::Result<()> {
    let report = event_loop::run(&event_loop::Config::demo())?;
    pictures::show(&report, &[("event_loop", &report.trace)])
}
