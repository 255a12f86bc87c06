//! Scoring a snapshot of the weights on the held-out samples.
//!
//! The test samples are never trained on (`digits::split` holds them out), so their
//! accuracy says how well the network generalises. [`evaluate`] takes the model by
//! reference, which is what lets the overlapped trainer run it on a *snapshot* (an
//! `Arc<Mlp>` cloned at the end of an epoch) while the next epoch already changes the
//! live weights. Samples are scored in order and the loss summed in that order, so the
//! figures are the same bits in every mode.

use super::digits::Dataset;
use super::model::{Activations, Mlp};

/// Loss and accuracy on a set of samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// Mean cross-entropy loss.
    pub loss: f32,
    /// Share of samples predicted right, `0.0..=1.0`.
    pub accuracy: f32,
}

/// Scores `model` on `data` (an empty set scores loss 0, accuracy 0).
pub fn evaluate(model: &Mlp, data: &Dataset) -> Score {
    if data.is_empty() {
        return Score {
            loss: 0.0,
            accuracy: 0.0,
        };
    }
    let mut act = Activations::default();
    let mut loss = 0.0;
    let mut correct = 0usize;
    for i in 0..data.len() {
        let (l, right) = model.score(data.image(i), data.labels[i], &mut act);
        loss += l;
        correct += usize::from(right);
    }
    Score {
        loss: loss / data.len() as f32,
        accuracy: correct as f32 / data.len() as f32,
    }
}
