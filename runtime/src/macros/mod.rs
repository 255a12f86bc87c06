//! Combinators as declarative macros (and, with the `macros` feature, the support the
//! attribute macros `#[spindle::main]` / `#[spindle::test]` expand to call, in `entry`): [`join!`](crate::join), [`try_join!`](crate::try_join)
//! and [`select!`](crate::select).
//!
//! All three expand, inside the caller's `async` block, to one
//! [`poll_fn`](core::future::poll_fn) future that polls the branch futures in place
//! (pinned on the caller's stack with [`pin!`](core::pin::pin), so no allocation and no
//! `unsafe`), and `.await`s it.
//!
//! ## How a `macro_rules!` macro names `n` things
//! A declarative macro cannot invent identifiers, but it can *reuse* the same spelling in
//! separate expansions, and hygiene makes each expansion's `fut` a different variable.
//! `join!` recurses once per argument, so every future gets its own hygienic `fut` and
//! `out` bindings. `select!` needs one more thing, an enum variant and a number per
//! branch, so it consumes one entry of a fixed list `(0 _0) (1 _1) ... (7 _7)` per
//! branch: hence its limit of **8 branches** (a ninth is a compile error saying so). This
//! is the technique tokio's declarative `select!` uses, with a 64-entry list.
//!
//! `select!` differs from tokio's in one respect: tokio tests each branch's pattern on a
//! *reference* to the output inside its poll loop, which edition 2024 rejects for
//! patterns such as `Some(mut v)`. Ours matches by value, after the poll, and on a
//! mismatch falls through to a next, unrolled selection level (one per branch, plus
//! one); a loop would capture `break`/`continue` written in the handlers.
//!
//! ## Fairness
//! Every poll of a `join!` or an unbiased `select!` starts at a different branch: `join!`
//! rotates, `select!` picks a random start with [`support::thread_rng_n`] (a per-thread
//! xorshift generator, or the scheduler's seeded one under `Builder::rng_seed`). Otherwise a branch that is always ready, or one that spends the
//! whole cooperative budget, would starve the branches after it.

mod join;
mod select;

/// The runtime `#[spindle::main]` / `#[spindle::test]` build (feature `macros`).
#[cfg(feature = "macros")]
pub mod entry;

/// Items the macros expand to. Not part of the public API.
#[doc(hidden)]
pub mod support {
    pub use core::future::{Future, IntoFuture, poll_fn};
    pub use core::option::Option::{self, None, Some};
    pub use core::pin::{Pin, pin};
    pub use core::result::Result::{self, Err, Ok};
    pub use core::task::{Context, Poll};

    use std::cell::Cell;

    thread_local! {
        /// xorshift64 state, seeded per thread from std's random hasher keys.
        static RNG: Cell<u64> = Cell::new(seed());
    }

    fn seed() -> u64 {
        use std::hash::BuildHasher;
        // `RandomState` is seeded from the OS once per thread and then incremented, so
        // hashing a constant gives a different, well-mixed seed per thread. `| 1`
        // because xorshift's state must never be zero.
        std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) | 1
    }

    /// A uniformly distributed number in `0..n` (`n > 0`), from a per-thread xorshift64
    /// generator (Marsaglia, 2003), reduced to the range with Lemire's multiply-shift.
    ///
    /// Inside a current-thread runtime built with `rng_seed`, the number comes from the
    /// scheduler's seeded generator instead, so the seed fixes the branch order too.
    pub fn thread_rng_n(n: u32) -> u32 {
        if let Some(pick) = crate::runtime::seeded_below(n) {
            return pick;
        }
        RNG.with(|state| {
            let mut x = state.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.set(x);
            (((x >> 32) * u64::from(n)) >> 32) as u32
        })
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
