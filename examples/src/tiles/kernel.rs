//! The 1-D Gaussian kernel used by the separable blur.
//!
//! A 2-D Gaussian `G(x, y) = g(x) * g(y)` factors into two 1-D ones, so blurring with it
//! is a horizontal pass with `g` followed by a vertical pass with `g`: `2 * (2r + 1)`
//! multiply-adds per pixel instead of `(2r + 1)^2` (with `r = 6` that is 26 instead of
//! 169). This file builds `g`: samples of `exp(-k^2 / (2 sigma^2))` for `k = -r..=r`,
//! normalised to sum to one so that a flat image stays flat.
//!
//! The radius is `ceil(3 sigma)`: the tails beyond three standard deviations hold about
//! 0.3 % of the mass, which is the usual cut-off (OpenCV's `getGaussianKernel` and most
//! image libraries pick a size of about 6 sigma + 1 the same way).
//!
//! Invariants: `weights.len() == 2 * radius + 1`, the weights are symmetric, positive and
//! sum to one within f32 rounding. The weights are computed once, in f64, and rounded to
//! f32 once, so every tile and the whole-image run multiply by the very same numbers.

use std::fmt;

/// A normalised, symmetric 1-D Gaussian kernel of `2 * radius + 1` taps.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianKernel {
    sigma: f32,
    radius: usize,
    weights: Vec<f32>,
}

/// Why a kernel could not be built.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InvalidSigma(pub f32);

impl fmt::Display for InvalidSigma {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid Gaussian sigma {}: use a finite value between 0.1 and 64",
            self.0
        )
    }
}

impl std::error::Error for InvalidSigma {}

impl GaussianKernel {
    /// The largest sigma accepted: radius 192, far more than any tile halo should carry.
    pub const MAX_SIGMA: f32 = 64.0;
    /// The smallest sigma accepted (below it the kernel is a single tap of 1.0).
    pub const MIN_SIGMA: f32 = 0.1;

    /// Samples and normalises a Gaussian of standard deviation `sigma` (in pixels).
    pub fn new(sigma: f32) -> Result<GaussianKernel, InvalidSigma> {
        if !(Self::MIN_SIGMA..=Self::MAX_SIGMA).contains(&sigma) {
            return Err(InvalidSigma(sigma));
        }
        let radius = (3.0 * f64::from(sigma)).ceil() as usize;
        let two_sigma_sq = 2.0 * f64::from(sigma) * f64::from(sigma);
        let raw: Vec<f64> = (0..=2 * radius)
            .map(|i| {
                let k = i as f64 - radius as f64;
                (-k * k / two_sigma_sq).exp()
            })
            .collect();
        let total: f64 = raw.iter().sum();
        let weights = raw.iter().map(|w| (w / total) as f32).collect();
        Ok(GaussianKernel {
            sigma,
            radius,
            weights,
        })
    }

    /// The standard deviation this kernel samples.
    pub fn sigma(&self) -> f32 {
        self.sigma
    }

    /// Taps on each side of the centre: `ceil(3 * sigma)`.
    pub fn radius(&self) -> usize {
        self.radius
    }

    /// The `2 * radius + 1` weights, left to right.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_two_has_radius_six_and_is_normalised_and_symmetric() {
        let kernel = GaussianKernel::new(2.0).unwrap();
        assert_eq!(kernel.radius(), 6);
        let w = kernel.weights();
        assert_eq!(w.len(), 13);
        let sum: f32 = w.iter().sum();
        assert!((sum - 1.0).abs() < 1e-6, "sum {sum}");
        for i in 0..w.len() {
            assert_eq!(w[i], w[w.len() - 1 - i]);
        }
        assert!(
            w.windows(2).take(6).all(|p| p[0] < p[1]),
            "rises to the centre"
        );
    }

    #[test]
    fn rejects_sigmas_that_are_not_usable() {
        for bad in [0.0, -1.0, f32::NAN, f32::INFINITY, 1000.0] {
            assert!(GaussianKernel::new(bad).is_err(), "{bad} accepted");
        }
    }
}
