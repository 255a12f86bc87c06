//! The CPU-bound work the `threads` and `parallel` programs share: a checksum over a
//! range of integers that no compiler can shortcut.
//!
//! Each number is scrambled with SplitMix64 (Steele, Lea and Flood, "Fast splittable
//! pseudorandom number generators", OOPSLA 2014): a few multiplies and shifts with no
//! closed form, so summing a range really costs time proportional to its length, and the
//! sum of the parts equals the sum of the whole (wrapping addition is associative), which
//! is how the programs check that every way of cutting the work computed the same thing.

use std::ops::Range;

/// SplitMix64's output function: a bijective scramble of `x`.
pub fn scramble(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The wrapping sum of `scramble(i)` over `range`.
pub fn checksum(range: Range<u64>) -> u64 {
    range.fold(0u64, |acc, i| acc.wrapping_add(scramble(i)))
}

/// Cuts `0..n` into `pieces` contiguous ranges of nearly equal length (the first ones
/// one longer when `n` does not divide evenly). `pieces` of 0 is treated as 1.
pub fn split(n: u64, pieces: usize) -> Vec<Range<u64>> {
    let pieces = pieces.max(1) as u64;
    let (base, extra) = (n / pieces, n % pieces);
    let mut start = 0;
    (0..pieces)
        .map(|i| {
            let len = base + u64::from(i < extra);
            let r = start..start + len;
            start += len;
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_sum_to_the_whole() {
        let whole = checksum(0..1000);
        for pieces in [1, 3, 7, 1000, 1500] {
            let parts = split(1000, pieces);
            assert_eq!(parts.last().unwrap().end, 1000);
            let sum = parts
                .into_iter()
                .map(checksum)
                .fold(0u64, u64::wrapping_add);
            assert_eq!(sum, whole, "{pieces} pieces");
        }
    }
}
