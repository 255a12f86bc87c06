//! The training job: a small neural network learns handwritten digits while its data
//! loading, evaluation and checkpoints run alongside (`cargo run --release --example train`).
//!
//! The pieces, in the order data flows through them:
//!
//! 1. [`digits`] parses the shipped UCI digits CSV (`examples/data/digits.csv`), chunk by
//!    chunk, and splits off a held-out test set; [`prng`] is the seeded generator behind
//!    every random choice;
//! 2. [`batches`] shuffles the training samples each epoch, shifts each image by up to a
//!    pixel (augmentation) and packs mini-batches;
//! 3. [`model`] is the network (64 -> hidden ReLU -> 10 softmax) with its hand-written
//!    backpropagation; [`gradient`] cuts a batch's gradient into shards, runs them
//!    anywhere and sums them in a fixed order; [`evaluation`] scores the held-out set;
//!    [`checkpoint`] turns weights into bytes and back;
//! 4. three ways to run it all: [`blocking_trainer`] (sequential everything, or parallel
//!    gradients on a spindle-pool), and [`overlapped`] (spindle tasks: a loader feeding a
//!    bounded channel, gradients on the blocking pool, evaluation and checkpoints beside
//!    the next epoch, files through `spindle::fs`); [`comparison`] times the three.
//!
//! [`config`] holds the settings and the results. Every mode computes the same numbers in
//! the same order, so all three end with the same weights, bit for bit.

pub mod batches;
pub mod blocking_trainer;
pub mod checkpoint;
pub mod comparison;
pub mod config;
pub mod digits;
pub mod evaluation;
pub mod gradient;
pub mod model;
pub mod overlapped;
pub mod prng;

pub use blocking_trainer::train_blocking;
pub use comparison::{Comparison, ModeTime, compare_modes};
pub use config::{BoxError, EpochReport, TrainConfig, TrainRun};
pub use gradient::Shards;
pub use overlapped::train_overlapped;
