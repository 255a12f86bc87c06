//! The two modes without overlap: "sequential everything" and "parallel gradients only".
//!
//! One thread does each step in turn: read the whole file, parse it, and then for every
//! epoch train on its batches, score the held-out samples, write the checkpoint. The only
//! difference between the two modes is where the gradient shards run ([`Shards`]): on
//! this thread, or on a spindle-pool `ThreadPool` while this thread waits. While the
//! pool computes, nothing else happens; while this thread assembles a batch, scores or
//! writes, the pool sits idle. The overlapped mode (`overlapped.rs`) fills those gaps.

use std::time::Instant;

use super::batches::EpochBatches;
use super::checkpoint;
use super::config::{BoxError, EpochTally, TrainConfig, TrainRun};
use super::digits;
use super::evaluation::evaluate;
use super::gradient::{Shards, apply, batch_gradient};

/// Trains as configured, the shards running as `shards` says.
pub fn train_blocking(config: &TrainConfig, shards: Shards<'_>) -> Result<TrainRun, BoxError> {
    config.validate()?;
    let start = Instant::now();
    let bytes = std::fs::read(&config.data)
        .map_err(|e| format!("cannot read {}: {e}", config.data.display()))?;
    let (train, test) = config.prepare(&digits::parse(&bytes)?)?;
    std::fs::create_dir_all(&config.checkpoints)?;
    let mut model = config.initial_model();
    let mut epochs = Vec::with_capacity(config.epochs);
    for epoch in 0..config.epochs {
        let mut tally = EpochTally::default();
        for batch in EpochBatches::new(&train, epoch, config.batch_size, config.seed) {
            let sum = batch_gradient(&model, &batch, config.shards, shards);
            apply(&mut model, &sum, config.learning_rate);
            tally.add(sum.loss, sum.correct, sum.samples);
        }
        let score = evaluate(&model, &test);
        std::fs::write(
            config.checkpoint_path(epoch + 1),
            checkpoint::encode(&model, epoch + 1),
        )?;
        epochs.push(tally.report(epoch + 1, score));
    }
    Ok(TrainRun {
        model,
        epochs,
        wall: start.elapsed(),
        samples: (train.len(), test.len()),
    })
}
