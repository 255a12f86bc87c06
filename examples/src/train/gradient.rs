//! A batch's gradient, cut into shards that may run anywhere, summed in a fixed order.
//!
//! A mini-batch of `B` samples is cut into `S` shards of consecutive samples
//! ([`shard_ranges`]: `S` is a setting of the trainer, never the thread count). Each shard
//! sums its samples' gradients into a buffer of its own ([`shard_gradient`], a pure
//! function of the weights and the batch), and [`reduce`] adds the shard buffers together
//! in shard order: `((g0 + g1) + g2) + ...`. Floating-point addition is not associative,
//! so this fixed tree is what makes the result the same bits whether the shards ran one
//! after another on one thread, on a pool of 2 or 16 threads in any order, or as jobs
//! awaited from async tasks: who computes a shard changes *when* it is ready, never what
//! it holds, and the reduction waits for shard 0, then 1, ... This is rayon's
//! "deterministic reduction" advice, done by hand.
//!
//! [`batch_gradient`] runs the shards one after another or on a spindle-pool
//! `ThreadPool` (`pool.map` keeps the results in shard order); the overlapped trainer
//! awaits the same [`shard_gradient`] jobs from a task (`overlapped.rs`).

use std::ops::Range;

use spindle_pool::ThreadPool;

use super::batches::Batch;
use super::model::{Activations, Mlp};

/// One shard's (or a whole batch's) summed gradient, loss and hits.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientSum {
    /// Sum over the samples of d(loss)/d(parameters).
    pub gradient: Vec<f32>,
    /// Sum of the samples' losses.
    pub loss: f32,
    /// Samples predicted right (before the step).
    pub correct: usize,
    /// Samples summed.
    pub samples: usize,
}

/// Where the shards run.
#[derive(Clone, Copy, Debug)]
pub enum Shards<'a> {
    /// One after another on the calling thread.
    Sequential,
    /// As jobs on this pool.
    Pool(&'a ThreadPool),
}

/// `shards` ranges of consecutive samples covering `0..samples`, sizes differing by at
/// most one (fewer, non-empty ones when the batch is smaller than `shards`).
pub fn shard_ranges(samples: usize, shards: usize) -> Vec<Range<usize>> {
    let count = shards.clamp(1, samples.max(1));
    (0..count)
        .map(|i| i * samples / count..(i + 1) * samples / count)
        .collect()
}

/// The summed gradient of `batch`'s samples in `range`, in sample order.
pub fn shard_gradient(model: &Mlp, batch: &Batch, range: Range<usize>) -> GradientSum {
    let mut sum = GradientSum {
        gradient: vec![0.0; model.parameters().len()],
        loss: 0.0,
        correct: 0,
        samples: range.len(),
    };
    let mut act = Activations::default();
    for i in range {
        let (loss, correct) =
            model.accumulate(batch.image(i), batch.labels[i], &mut sum.gradient, &mut act);
        sum.loss += loss;
        sum.correct += usize::from(correct);
    }
    sum
}

/// Adds shard sums together in the order given (shard 0 first).
///
/// # Panics
/// If there are no shards.
pub fn reduce(shards: impl IntoIterator<Item = GradientSum>) -> GradientSum {
    let mut shards = shards.into_iter();
    let mut total = shards.next().expect("a batch has at least one shard");
    for shard in shards {
        for (t, g) in total.gradient.iter_mut().zip(&shard.gradient) {
            *t += g;
        }
        total.loss += shard.loss;
        total.correct += shard.correct;
        total.samples += shard.samples;
    }
    total
}

/// The whole batch's gradient: its shards run as `run` says, reduced in shard order.
pub fn batch_gradient(model: &Mlp, batch: &Batch, shards: usize, run: Shards<'_>) -> GradientSum {
    let ranges = shard_ranges(batch.len(), shards);
    match run {
        Shards::Sequential => reduce(ranges.into_iter().map(|r| shard_gradient(model, batch, r))),
        Shards::Pool(pool) => {
            reduce(pool.map(&ranges, |r| shard_gradient(model, batch, r.clone())))
        }
    }
}

/// One SGD step on the batch's mean gradient: `params -= rate / samples * sum`.
pub fn apply(model: &mut Mlp, sum: &GradientSum, rate: f32) {
    model.step(&sum.gradient, rate / sum.samples as f32);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::batches::EpochBatches;
    use crate::train::digits::{Dataset, PIXELS};
    use crate::train::model::Shape;

    #[test]
    fn shard_ranges_cover_the_batch() {
        assert_eq!(shard_ranges(10, 4), [0..2, 2..5, 5..7, 7..10]);
        assert_eq!(shard_ranges(2, 4), [0..1, 1..2]);
        let empty = shard_ranges(0, 4);
        assert!(empty.len() == 1 && empty[0].is_empty());
    }

    #[test]
    fn pools_of_any_size_give_the_sequential_bits() {
        let data = Dataset {
            features: (0..40 * PIXELS)
                .map(|i| ((i * 7) % 17) as f32 / 16.0)
                .collect(),
            labels: (0..40).map(|i| (i % 10) as u8).collect(),
        };
        let model = Mlp::new(Shape { hidden: 12 }, 2);
        let batch = EpochBatches::new(&data, 0, 40, 1).next().unwrap();
        let sequential = batch_gradient(&model, &batch, 6, Shards::Sequential);
        for threads in [1, 2, 3] {
            let pool = ThreadPool::new(threads).unwrap();
            let parallel = batch_gradient(&model, &batch, 6, Shards::Pool(&pool));
            let bits = |g: &GradientSum| g.gradient.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&parallel), bits(&sequential), "{threads} threads");
            assert_eq!(parallel.loss.to_bits(), sequential.loss.to_bits());
            assert_eq!(parallel.samples, 40);
        }
    }
}
