//! The one seam between spindle-pool and the [loom](https://docs.rs/loom) model checker.
//!
//! Every atomic, lock and thread handle that a concurrent *protocol* of the pool uses
//! (the sleep/wake protocol in `sleep.rs`, the count latch in `latch.rs`, the result
//! hand-off in `completion.rs`) is imported from here, never from `std` directly. In a
//! normal build these are the `std` types; under `RUSTFLAGS="--cfg loom"` they are
//! loom's instrumented twins, so a loom model explores every interleaving the protocol
//! allows (the idea is tokio's `src/loom/` module; the method is loom's, after the
//! CDSChecker paper by Norris and Demsky, 2013).
//!
//! Rules:
//! 1. Protocol code imports `crate::loom::sync::{Mutex, Condvar, atomic::*}` and
//!    `crate::loom::thread`, never `std::sync` etc.
//! 2. The deques come from crossbeam-deque and are *not* modelled (loom only sees its own
//!    types); models stand in for a queue with an atomic counter of jobs.
//! 3. Capacities that bound a model's state space are chosen through [`capacity`],
//!    smaller under loom.
//!
//! The plumbing around the protocols (worker threads, the registry, thread-locals) uses
//! `std` directly: it is not run inside loom models.
#![allow(unused_imports, dead_code)]

#[cfg(loom)]
pub(crate) use loom::{hint, thread};
#[cfg(not(loom))]
pub(crate) use std::{hint, thread};

/// Locks and atomics.
pub(crate) mod sync {
    #[cfg(loom)]
    pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
    #[cfg(not(loom))]
    pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};

    /// Atomic integers and fences.
    pub(crate) mod atomic {
        #[cfg(loom)]
        pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
        #[cfg(not(loom))]
        pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
    }
}

/// Picks a capacity: `normal` in real builds, `under_loom` in loom models, where every
/// extra slot multiplies the interleavings to explore.
pub(crate) const fn capacity(normal: usize, under_loom: usize) -> usize {
    if cfg!(loom) { under_loom } else { normal }
}

/// Locks a mutex, ignoring poisoning: every critical section in this crate leaves its
/// data consistent before anything that can panic, so a poisoned lock carries no broken
/// invariant (and a worker must keep running after a job panicked).
pub(crate) fn lock<T>(m: &sync::Mutex<T>) -> sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Waits on a condition variable, ignoring poisoning (see [`lock`]).
pub(crate) fn wait<'a, T>(
    cv: &sync::Condvar,
    g: sync::MutexGuard<'a, T>,
) -> sync::MutexGuard<'a, T> {
    match cv.wait(g) {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}
