//! Per-worker event counters, cheap enough for the hot path.
//!
//! Each worker owns one `WorkerCounters` on its own cache line. Only the owner writes
//! it, with a relaxed load + store (no locked read-modify-write, no shared cache line);
//! any thread may read it (relaxed loads) to build a `RuntimeStats` snapshot, which is
//! therefore approximate while the runtime runs and exact once it is idle.

use crossbeam_utils::CachePadded;

use crate::loom::sync::atomic::{AtomicU64, Ordering::Relaxed};
use crate::runtime::WorkerStats;

/// The counters of one worker (or of the current-thread scheduler's single "worker").
#[derive(Default)]
pub(crate) struct WorkerCounters(CachePadded<Fields>);

#[derive(Default)]
pub(crate) struct Fields {
    pub(crate) polls: AtomicU64,
    pub(crate) spawns: AtomicU64,
    pub(crate) lifo_pops: AtomicU64,
    pub(crate) local_pops: AtomicU64,
    pub(crate) injector_pops: AtomicU64,
    pub(crate) steals: AtomicU64,
    pub(crate) stolen: AtomicU64,
    pub(crate) parks: AtomicU64,
    pub(crate) unparks: AtomicU64,
}

/// Adds `n` to a counter only its owner writes.
#[inline]
pub(crate) fn bump(c: &AtomicU64, n: u64) {
    c.store(c.load(Relaxed) + n, Relaxed);
}

impl WorkerCounters {
    pub(crate) fn get(&self) -> &Fields {
        &self.0
    }

    pub(crate) fn snapshot(&self) -> WorkerStats {
        let f = &self.0;
        WorkerStats {
            polls: f.polls.load(Relaxed),
            spawns: f.spawns.load(Relaxed),
            lifo_pops: f.lifo_pops.load(Relaxed),
            local_pops: f.local_pops.load(Relaxed),
            injector_pops: f.injector_pops.load(Relaxed),
            steals: f.steals.load(Relaxed),
            stolen: f.stolen.load(Relaxed),
            parks: f.parks.load(Relaxed),
            unparks: f.unparks.load(Relaxed),
        }
    }
}
