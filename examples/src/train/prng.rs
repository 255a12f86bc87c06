//! SplitMix64: the small seeded random number generator the trainer draws from.
//!
//! The trainer needs randomness three times: the initial weights, the order of the
//! samples in each epoch, and each sample's augmentation. It must be *reproducible*: the
//! same seed gives the same numbers on every run and every thread count, which is what
//! lets the three modes be compared weight for weight. SplitMix64 (Steele, Lea and
//! Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the constants
//! are those of Java's `SplittableRandom` and of Vigna's reference `splitmix64.c`) is
//! the simplest generator that is good enough here: a 64-bit counter advanced by an odd
//! constant (the "golden gamma"), then scrambled by two xor-shift-multiply rounds. It
//! passes BigCrush, has period 2^64, and its whole state is one `u64`, so a stream for
//! "epoch 3" is just `SplitMix64::new(mix(seed, 3))`: no shared generator, no locks.
//! (It is not for cryptography.)

/// The generator: one 64-bit state word.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

/// The golden-ratio increment, `2^64 / phi`, odd.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    /// A generator starting from `seed` (any value, zero included).
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        scramble(self.state)
    }

    /// A uniform integer in `0..n` (`n > 0`), by Lemire's multiply-shift: the high half
    /// of `x * n`. The bias is below `n / 2^64`, far too small to matter for shuffling a
    /// few thousand samples.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "SplitMix64::below needs a non-empty range");
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A uniform `f32` in `[-1, 1)`, from the top 24 bits (an `f32` mantissa's worth).
    pub fn symmetric_f32(&mut self) -> f32 {
        let unit = (self.next_u64() >> 40) as f32 / (1u32 << 24) as f32;
        2.0 * unit - 1.0
    }

    /// Shuffles `items` in place: Fisher-Yates (Durstenfeld's version), every order
    /// equally likely.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// A seed for the independent stream number `stream` under `seed` (e.g. one per epoch).
pub fn derive_seed(seed: u64, stream: u64) -> u64 {
    scramble(seed ^ scramble(stream.wrapping_add(GAMMA)))
}

/// SplitMix64's output function (also a good 64-bit hash finaliser).
fn scramble(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_sequence() {
        // First outputs of Vigna's splitmix64.c seeded with 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn shuffles_are_permutations_and_reproducible() {
        let mut a: Vec<u32> = (0..100).collect();
        let mut b = a.clone();
        SplitMix64::new(7).shuffle(&mut a);
        SplitMix64::new(7).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..100).collect::<Vec<_>>());
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn draws_stay_in_range_and_cover_it() {
        let mut rng = SplitMix64::new(derive_seed(1, 2));
        let mut seen = [0u32; 3];
        for _ in 0..3000 {
            seen[rng.below(3)] += 1;
            let x = rng.symmetric_f32();
            assert!((-1.0..1.0).contains(&x));
        }
        assert!(seen.iter().all(|&n| n > 900), "{seen:?}");
    }
}
