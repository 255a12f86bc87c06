//! Per-worker event counters and busy time, cheap enough for the hot path.
//!
//! Each worker owns one `WorkerCounters` on its own cache line. Only the owner writes
//! it, with a relaxed load + store (no locked read-modify-write, no shared cache line);
//! any thread may read it (relaxed loads) to build a `RuntimeStats` snapshot, which is
//! therefore approximate while the runtime runs and exact once it is idle.
//!
//! ## Busy time: measured per *busy streak*, not per poll
//! Reading the clock (`Instant::now`, a vDSO `clock_gettime`) costs ~20-25 ns here; a
//! poll of a tiny task costs ~50-100 ns. Timing every poll would add 40-100% to such a
//! workload, and even timing every `run_task` batch (a task plus its LIFO successors)
//! would add a clock read per spawn in spawn-heavy code. So [`BusyClock`] timestamps only
//! the *edges* of a busy streak: the first task a worker finds after being idle starts
//! it, and the worker running out of work (just before it parks) ends it; a long streak
//! is also folded in at each maintenance tick (every 61 polls at most), so a snapshot of
//! a worker that never parks still sees its time. A streak includes the queue handling
//! and stealing between polls, which is work the scheduler does for the tasks: busy is
//! "not asleep with nothing to do". (tokio's `worker_total_busy_duration` is measured at
//! the same edges: from a worker's unpark to its park.) Per-task poll time, which needs
//! a clock read per poll, is only measured when tracing is on (`RuntimeStats::tasks`).

use std::cell::Cell;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use super::stats::WorkerStats;
use crate::loom::sync::atomic::{AtomicU64, Ordering::Relaxed};

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
    /// Nanoseconds of finished busy streaks (see the module header).
    pub(crate) busy_ns: AtomicU64,
    /// I/O readiness events this worker dispatched while it ran the driver.
    pub(crate) io_events: AtomicU64,
    /// Timers this worker fired while it ran the driver.
    pub(crate) timers_fired: AtomicU64,
}

/// Adds `n` to a counter only its owner writes.
#[inline]
pub(crate) fn bump(c: &AtomicU64, n: u64) {
    c.store(c.load(Relaxed) + n, Relaxed);
}

impl Fields {
    /// Counts what one driver turn dispatched.
    pub(crate) fn add_driver_report(&self, report: crate::driver::ParkReport) {
        if report.io_events > 0 {
            bump(&self.io_events, report.io_events as u64);
        }
        if report.timers_fired > 0 {
            bump(&self.timers_fired, report.timers_fired as u64);
        }
    }
}

/// The start of the current busy streak, owned by the worker's thread.
#[derive(Default)]
pub(crate) struct BusyClock {
    since: Cell<Option<Instant>>,
}

impl BusyClock {
    /// The worker found a task: starts a streak unless one is running.
    #[inline]
    pub(crate) fn start(&self) {
        if self.since.get().is_none() {
            self.since.set(Some(Instant::now()));
        }
    }

    /// The worker ran out of work: adds the streak to `busy_ns` and ends it.
    pub(crate) fn stop(&self, fields: &Fields) {
        if let Some(since) = self.since.take() {
            bump(&fields.busy_ns, nanos(since.elapsed()));
        }
    }

    /// Maintenance tick: adds the streak so far and keeps it running from now.
    pub(crate) fn fold(&self, fields: &Fields) {
        if let Some(since) = self.since.get() {
            let now = Instant::now();
            bump(&fields.busy_ns, nanos(now - since));
            self.since.set(Some(now));
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
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
            busy: Duration::from_nanos(f.busy_ns.load(Relaxed)),
            io_events: f.io_events.load(Relaxed),
            timers_fired: f.timers_fired.load(Relaxed),
            pinned_core: None,
        }
    }
}
