//! What a training run is given, and what it gives back.
//!
//! [`TrainConfig`] holds every setting; none of them is the thread count's business
//! except `threads` itself, so the three modes run the very same arithmetic.
//! [`TrainConfig::prepare`] is the data step shared by all modes after the file is read:
//! parse, split off the held-out samples (seeded), keep a slice of the training samples
//! if asked. [`TrainRun`] is the result: the final model, one [`EpochReport`] per epoch
//! and the wall time.

use std::path::PathBuf;
use std::time::Duration;

use super::digits::{self, Dataset};
use super::evaluation::Score;
use super::model::{Mlp, Shape};
use super::prng::derive_seed;

/// The trainer's error type: any error, sendable between tasks.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Settings of a training run.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// The digits CSV.
    pub data: PathBuf,
    /// Where each epoch's checkpoint is written (`epoch-<n>.ckpt`); created if missing.
    pub checkpoints: PathBuf,
    /// Hidden units of the network.
    pub hidden: usize,
    /// Passes over the training samples.
    pub epochs: usize,
    /// Samples per SGD step.
    pub batch_size: usize,
    /// Shards each batch's gradient is cut into (fixed: the results do not depend on
    /// the thread count).
    pub shards: usize,
    /// SGD learning rate.
    pub learning_rate: f32,
    /// Seed of every random choice: initial weights, split, shuffles, augmentation.
    pub seed: u64,
    /// Share of the samples held out for testing.
    pub test_share: f64,
    /// Train on at most this many samples (a slice, for quick runs).
    pub train_limit: Option<usize>,
    /// Threads for the parallel modes (pool workers; runtime workers too).
    pub threads: usize,
    /// Bytes per read when the overlapped loader reads the file in chunks.
    pub chunk_bytes: usize,
    /// Batches the loader may have ready ahead of the trainer (the channel's capacity).
    pub prefetch: usize,
}

impl TrainConfig {
    /// The defaults for the shipped digits file, `threads` workers.
    pub fn new(data: impl Into<PathBuf>, checkpoints: impl Into<PathBuf>, threads: usize) -> Self {
        TrainConfig {
            data: data.into(),
            checkpoints: checkpoints.into(),
            hidden: 128,
            epochs: 10,
            batch_size: 64,
            shards: 4,
            learning_rate: 0.3,
            seed: 2014,
            test_share: 0.2,
            train_limit: None,
            threads,
            chunk_bytes: 16 * 1024,
            prefetch: 4,
        }
    }

    /// Checks the settings; the message says which one is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("hidden", self.hidden),
            ("epochs", self.epochs),
            ("batch size", self.batch_size),
            ("shards", self.shards),
            ("threads", self.threads),
            ("chunk bytes", self.chunk_bytes),
            ("prefetch", self.prefetch),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(format!("{name} must be at least 1"));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err("the learning rate must be a positive number".into());
        }
        if !(0.0..1.0).contains(&self.test_share) {
            return Err("the test share must be in [0, 1)".into());
        }
        Ok(())
    }

    /// The network's shape.
    pub fn shape(&self) -> Shape {
        Shape {
            hidden: self.hidden,
        }
    }

    /// The untrained network (weights drawn from the seed).
    pub fn initial_model(&self) -> Mlp {
        Mlp::new(self.shape(), derive_seed(self.seed, 1 << 40))
    }

    /// Parsed samples to (training, held-out), as every mode does it.
    pub fn prepare(&self, all: &Dataset) -> Result<(Dataset, Dataset), String> {
        let (train, test) = digits::split(all, self.test_share, derive_seed(self.seed, 1 << 41));
        let train = match self.train_limit {
            Some(n) => train.truncated(n),
            None => train,
        };
        if train.is_empty() {
            return Err(format!("{} has no training samples", self.data.display()));
        }
        Ok((train, test))
    }

    /// The checkpoint file of epoch `epoch` (1-based).
    pub fn checkpoint_path(&self, epoch: usize) -> PathBuf {
        self.checkpoints.join(format!("epoch-{epoch}.ckpt"))
    }
}

/// One epoch's figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    /// 1-based.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (each before its step).
    pub train_loss: f32,
    /// Training accuracy over the epoch (each batch before its step).
    pub train_accuracy: f32,
    /// The held-out score of the weights at the end of the epoch.
    pub test: Score,
}

/// The result of a run.
#[derive(Clone, Debug)]
pub struct TrainRun {
    /// Weights after the last epoch.
    pub model: Mlp,
    /// One report per epoch.
    pub epochs: Vec<EpochReport>,
    /// Wall time, reading the file to the last checkpoint written.
    pub wall: Duration,
    /// Training and held-out samples.
    pub samples: (usize, usize),
}

impl TrainRun {
    /// The held-out accuracy after the last epoch.
    pub fn final_accuracy(&self) -> f32 {
        self.epochs.last().map_or(0.0, |e| e.test.accuracy)
    }
}

/// The running sums of an epoch's batches, turned into the training half of its report.
#[derive(Default, Debug)]
pub struct EpochTally {
    loss: f32,
    correct: usize,
    samples: usize,
}

impl EpochTally {
    /// Adds a batch's sums (in batch order).
    pub fn add(&mut self, loss: f32, correct: usize, samples: usize) {
        self.loss += loss;
        self.correct += correct;
        self.samples += samples;
    }

    /// The report of epoch `epoch` (1-based) with its held-out score.
    pub fn report(&self, epoch: usize, test: Score) -> EpochReport {
        let n = self.samples.max(1) as f32;
        EpochReport {
            epoch,
            train_loss: self.loss / n,
            train_accuracy: self.correct as f32 / n,
            test,
        }
    }
}
