//! The model: a multilayer perceptron with one hidden layer, written out by hand.
//!
//! ```text
//! x (64 pixels) --W1, b1--> h = relu(W1 x + b1) (hidden units) --W2, b2--> z = W2 h + b2
//! p = softmax(z) (10 digit probabilities)     loss = -ln p[label]  (cross-entropy)
//! ```
//!
//! All parameters live in one flat `Vec<f32>`, in the order `W1 | b1 | W2 | b2`
//! (matrices row-major, one row per output unit), so a gradient has the same shape, and
//! summing gradients, stepping and checkpointing are plain loops over one slice.
//!
//! Backpropagation for one sample, from the loss back to the input layer:
//!
//! 1. `dz = p - onehot(label)`: the derivative of softmax + cross-entropy w.r.t. `z`;
//! 2. `dW2 += dz h^T`, `db2 += dz`;
//! 3. `dh = W2^T dz`, then through the ReLU: `dpre = dh` where `W1 x + b1 > 0`, else 0;
//! 4. `dW1 += dpre x^T`, `db1 += dpre`.
//!
//! [`Mlp::accumulate`] adds those to a gradient buffer sample by sample, in the order the
//! samples are given: floating-point addition is not associative, so that order is part
//! of the result, and the trainer fixes it (see `gradient.rs`). Weights start from
//! Glorot/Xavier-uniform draws (Glorot and Bengio, AISTATS 2010), biases at zero.

use super::digits::{CLASSES, PIXELS};
use super::prng::SplitMix64;

/// The shape of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Hidden units.
    pub hidden: usize,
}

impl Shape {
    /// Number of parameters: `H*64 + H + 10*H + 10`.
    pub fn parameters(&self) -> usize {
        self.hidden * PIXELS + self.hidden + CLASSES * self.hidden + CLASSES
    }

    fn offsets(&self) -> [usize; 4] {
        let w1 = 0;
        let b1 = w1 + self.hidden * PIXELS;
        let w2 = b1 + self.hidden;
        let b2 = w2 + CLASSES * self.hidden;
        [w1, b1, w2, b2]
    }
}

/// The network: its shape and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    shape: Shape,
    params: Vec<f32>,
}

/// Per-sample scratch for [`Mlp::accumulate`]: the activations backprop needs.
#[derive(Clone, Debug, Default)]
pub struct Activations {
    hidden: Vec<f32>,
    logits: Vec<f32>,
    dhidden: Vec<f32>,
}

impl Mlp {
    /// A network with Glorot-uniform weights drawn from `seed`.
    pub fn new(shape: Shape, seed: u64) -> Mlp {
        assert!(shape.hidden > 0, "the hidden layer needs at least one unit");
        let mut rng = SplitMix64::new(seed);
        let mut params = vec![0.0; shape.parameters()];
        let [w1, b1, w2, b2] = shape.offsets();
        let limit1 = (6.0 / (PIXELS + shape.hidden) as f32).sqrt();
        let limit2 = (6.0 / (shape.hidden + CLASSES) as f32).sqrt();
        params[w1..b1]
            .iter_mut()
            .for_each(|w| *w = limit1 * rng.symmetric_f32());
        params[w2..b2]
            .iter_mut()
            .for_each(|w| *w = limit2 * rng.symmetric_f32());
        Mlp { shape, params }
    }

    /// Wraps parameters (e.g. read from a checkpoint).
    ///
    /// # Panics
    /// If `params.len() != shape.parameters()`.
    pub fn from_parameters(shape: Shape, params: Vec<f32>) -> Mlp {
        assert_eq!(
            params.len(),
            shape.parameters(),
            "parameter count does not match the shape"
        );
        Mlp { shape, params }
    }

    /// The shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The flat parameters, `W1 | b1 | W2 | b2`.
    pub fn parameters(&self) -> &[f32] {
        &self.params
    }

    /// Plain SGD: `params -= rate * gradient`.
    pub fn step(&mut self, gradient: &[f32], rate: f32) {
        assert_eq!(gradient.len(), self.params.len(), "gradient shape mismatch");
        for (p, g) in self.params.iter_mut().zip(gradient) {
            *p -= rate * g;
        }
    }

    /// Forward pass: fills `act.hidden` and `act.logits` for image `x`.
    fn forward(&self, x: &[f32], act: &mut Activations) {
        let h = self.shape.hidden;
        let [w1, b1, w2, b2] = self.shape.offsets();
        let p = &self.params;
        act.hidden.resize(h, 0.0);
        act.logits.resize(CLASSES, 0.0);
        for (j, out) in act.hidden.iter_mut().enumerate() {
            let row = &p[w1 + j * PIXELS..w1 + (j + 1) * PIXELS];
            *out = relu(p[b1 + j] + dot(row, x));
        }
        for (k, out) in act.logits.iter_mut().enumerate() {
            let row = &p[w2 + k * h..w2 + (k + 1) * h];
            *out = p[b2 + k] + dot(row, &act.hidden);
        }
    }

    /// The digit the network finds most likely for image `x`.
    pub fn predict(&self, x: &[f32], act: &mut Activations) -> u8 {
        self.forward(x, act);
        argmax(&act.logits) as u8
    }

    /// One sample's loss and whether the network gets it right (forward pass only).
    pub fn score(&self, x: &[f32], label: u8, act: &mut Activations) -> (f32, bool) {
        self.forward(x, act);
        let label = usize::from(label);
        let correct = argmax(&act.logits) == label;
        (softmax_loss(&mut act.logits, label).0, correct)
    }

    /// Adds one sample's loss gradient to `grad`; returns its loss and whether the
    /// prediction was right.
    pub fn accumulate(
        &self,
        x: &[f32],
        label: u8,
        grad: &mut [f32],
        act: &mut Activations,
    ) -> (f32, bool) {
        self.forward(x, act);
        let h = self.shape.hidden;
        let [w1, b1, w2, b2] = self.shape.offsets();
        let label = usize::from(label);
        let correct = argmax(&act.logits) == label;
        let (loss, total) = softmax_loss(&mut act.logits, label);
        // dz = p - onehot(label), with p = exp / total.
        let dz = &mut act.logits;
        for (k, d) in dz.iter_mut().enumerate() {
            *d = *d / total - if k == label { 1.0 } else { 0.0 };
        }
        act.dhidden.clear();
        act.dhidden.resize(h, 0.0);
        for (k, &d) in dz.iter().enumerate() {
            grad[b2 + k] += d;
            let w_row = &self.params[w2 + k * h..w2 + (k + 1) * h];
            let g_row = &mut grad[w2 + k * h..w2 + (k + 1) * h];
            for j in 0..h {
                g_row[j] += d * act.hidden[j];
                act.dhidden[j] += w_row[j] * d;
            }
        }
        for j in 0..h {
            // Through the ReLU: hidden[j] > 0 exactly where its input was positive.
            let d = if act.hidden[j] > 0.0 {
                act.dhidden[j]
            } else {
                0.0
            };
            if d == 0.0 {
                continue;
            }
            grad[b1 + j] += d;
            let g_row = &mut grad[w1 + j * PIXELS..w1 + (j + 1) * PIXELS];
            for (g, &xi) in g_row.iter_mut().zip(x) {
                *g += d * xi;
            }
        }
        (loss, correct)
    }
}

/// Turns `logits` into `exp(z - max)` in place (shifted by the max so `exp` cannot
/// overflow) and returns the cross-entropy loss of `label` and the sum of the exponentials.
fn softmax_loss(logits: &mut [f32], label: usize) -> (f32, f32) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0.0;
    for z in logits.iter_mut() {
        *z = (*z - max).exp();
        total += *z;
    }
    let loss = -(logits[label] / total).max(f32::MIN_POSITIVE).ln();
    (loss, total)
}

fn relu(v: f32) -> f32 {
    v.max(0.0)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loss of one sample, alone.
    fn loss(model: &Mlp, x: &[f32], label: u8) -> f32 {
        let mut grad = vec![0.0; model.parameters().len()];
        model
            .accumulate(x, label, &mut grad, &mut Activations::default())
            .0
    }

    #[test]
    fn backprop_matches_finite_differences() {
        let shape = Shape { hidden: 6 };
        let model = Mlp::new(shape, 11);
        let mut rng = SplitMix64::new(3);
        let x: Vec<f32> = (0..PIXELS)
            .map(|_| 0.5 + 0.5 * rng.symmetric_f32())
            .collect();
        let mut grad = vec![0.0; shape.parameters()];
        model.accumulate(&x, 4, &mut grad, &mut Activations::default());
        let eps = 1e-2;
        for i in (0..shape.parameters()).step_by(7) {
            let mut params = model.parameters().to_vec();
            params[i] += eps;
            let up = loss(&Mlp::from_parameters(shape, params.clone()), &x, 4);
            params[i] -= 2.0 * eps;
            let down = loss(&Mlp::from_parameters(shape, params), &x, 4);
            let numeric = (up - down) / (2.0 * eps);
            assert!(
                (numeric - grad[i]).abs() < 2e-3 + 0.05 * grad[i].abs(),
                "parameter {i}: backprop {} vs numeric {numeric}",
                grad[i]
            );
        }
    }

    #[test]
    fn steps_against_the_gradient_lower_the_loss() {
        let shape = Shape { hidden: 8 };
        let mut model = Mlp::new(shape, 1);
        let x = vec![0.25; PIXELS];
        let before = loss(&model, &x, 7);
        for _ in 0..20 {
            let mut grad = vec![0.0; shape.parameters()];
            model.accumulate(&x, 7, &mut grad, &mut Activations::default());
            model.step(&grad, 0.1);
        }
        assert!(loss(&model, &x, 7) < before * 0.5);
        assert_eq!(model.predict(&x, &mut Activations::default()), 7);
    }
}
