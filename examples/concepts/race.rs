//! A race condition: a lost update, made visible, and two fixes.
//!
//! ```text
//! cargo run --release --example race
//! ```
//! Prints, for the racy update and each fix, how many increments were counted and lost.
//! The logic, explained, is in `examples/src/concepts/race.rs`.

use spindle_examples::concepts::race;

fn main() {
    println!("{}", race::run(&race::Config::demo()));
}
