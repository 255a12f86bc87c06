//! [`RuntimeStats`]: a snapshot of the per-worker counters.

use std::fmt;

/// Counters of one worker (for a current-thread runtime: of the `block_on` thread).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Task polls (including polls that only cancelled the task).
    pub polls: u64,
    /// Tasks spawned from this worker's thread.
    pub spawns: u64,
    /// Tasks taken from the LIFO slot.
    pub lifo_pops: u64,
    /// Tasks taken from the local queue.
    pub local_pops: u64,
    /// Tasks taken from the injector (current-thread: the remote queue), batches counted
    /// task by task.
    pub injector_pops: u64,
    /// Successful steals from another worker.
    pub steals: u64,
    /// Tasks moved by those steals.
    pub stolen: u64,
    /// Times this worker went to sleep.
    pub parks: u64,
    /// Times this worker was woken to look for work.
    pub unparks: u64,
}

/// A snapshot of the runtime's counters (approximate while tasks run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeStats {
    /// `"multi_thread"` or `"current_thread"`.
    pub flavor: &'static str,
    /// One entry per worker.
    pub workers: Vec<WorkerStats>,
    /// Tasks spawned from threads that are not workers of this runtime.
    pub remote_spawns: u64,
    /// Tasks alive (spawned, not yet finished) when the snapshot was taken.
    pub live_tasks: usize,
}

impl RuntimeStats {
    /// The sum over all workers.
    pub fn total(&self) -> WorkerStats {
        self.workers
            .iter()
            .fold(WorkerStats::default(), |a, w| WorkerStats {
                polls: a.polls + w.polls,
                spawns: a.spawns + w.spawns,
                lifo_pops: a.lifo_pops + w.lifo_pops,
                local_pops: a.local_pops + w.local_pops,
                injector_pops: a.injector_pops + w.injector_pops,
                steals: a.steals + w.steals,
                stolen: a.stolen + w.stolen,
                parks: a.parks + w.parks,
                unparks: a.unparks + w.unparks,
            })
    }
}

impl fmt::Display for RuntimeStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} runtime: {} live tasks, {} remote spawns",
            self.flavor, self.live_tasks, self.remote_spawns
        )?;
        writeln!(
            f,
            "{:>7} {:>10} {:>9} {:>9} {:>10} {:>9} {:>7} {:>7} {:>7} {:>7}",
            "worker",
            "polls",
            "spawns",
            "lifo",
            "local",
            "injector",
            "steals",
            "stolen",
            "parks",
            "unparks"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, w: &WorkerStats| {
            writeln!(
                f,
                "{:>7} {:>10} {:>9} {:>9} {:>10} {:>9} {:>7} {:>7} {:>7} {:>7}",
                name,
                w.polls,
                w.spawns,
                w.lifo_pops,
                w.local_pops,
                w.injector_pops,
                w.steals,
                w.stolen,
                w.parks,
                w.unparks
            )
        };
        for (i, w) in self.workers.iter().enumerate() {
            row(f, &i.to_string(), w)?;
        }
        row(f, "total", &self.total())
    }
}
