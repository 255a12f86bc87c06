//! [`SeededRng`]: the generator behind every choice a seeded scheduler makes
//! (`Builder::rng_seed`).
//!
//! ## Algorithm
//! The seed is first spread over all 64 bits with one step of SplitMix64 (Steele, Lea
//! and Flood, 2014), so seeds that differ in one bit (7 and 6) start far apart and the
//! seed 0 is allowed; the state then advances by xorshift64 (Marsaglia, 2003: period
//! 2^64 - 1, three shifts and three xors). A number in `0..n` is taken from the high 32
//! bits with Lemire's multiply-shift (no division, bias below 2^-32 * n).
//!
//! ## Invariants
//! - The state is never zero (xorshift's one fixed point): SplitMix's output is or-ed
//!   with 1.
//! - The generator is a plain `Copy` value with no interior state: the same seed and
//!   the same sequence of calls give the same numbers, on every machine. That is the
//!   whole point; quality beyond "different seeds give different schedules" is not.

/// A small deterministic generator (see the module header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SeededRng(u64);

impl SeededRng {
    /// The generator for `seed`.
    pub(crate) fn new(seed: u64) -> SeededRng {
        SeededRng(splitmix64(seed) | 1)
    }

    /// An independent generator for stream `index` of `seed` (e.g. one per worker), so
    /// worker 0 and worker 1 of one seed do not make the same choices.
    pub(crate) fn derived(seed: u64, index: u64) -> SeededRng {
        SeededRng::new(splitmix64(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03)))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0, "SeededRng::below(0)");
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }
}

/// One SplitMix64 step: a bijection on `u64` that mixes every input bit into every
/// output bit.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::SeededRng;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let mut a = SeededRng::new(7);
        let mut b = SeededRng::new(7);
        let xs: Vec<u32> = (0..100).map(|_| a.below(10)).collect();
        let ys: Vec<u32> = (0..100).map(|_| b.below(10)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|&x| x < 10));
    }

    #[test]
    fn neighbouring_seeds_and_streams_differ() {
        let first = |mut r: SeededRng| (0..16).map(|_| r.below(1000)).collect::<Vec<_>>();
        assert_ne!(first(SeededRng::new(6)), first(SeededRng::new(7)));
        assert_ne!(first(SeededRng::new(0)), first(SeededRng::new(1)));
        assert_ne!(
            first(SeededRng::derived(7, 0)),
            first(SeededRng::derived(7, 1))
        );
    }

    #[test]
    fn every_value_of_a_small_range_comes_up() {
        let mut r = SeededRng::new(42);
        let mut seen = [0u32; 5];
        for _ in 0..1000 {
            seen[r.below(5) as usize] += 1;
        }
        // Uniform: each of the 5 values ~200 times; far from 0 or 1000.
        assert!(seen.iter().all(|&n| (120..280).contains(&n)), "{seen:?}");
    }
}
