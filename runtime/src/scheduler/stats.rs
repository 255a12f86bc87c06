//! [`RuntimeStats`]: a snapshot of the per-worker counters, and its table.
//!
//! The counters are written by each worker on its own cache line
//! (`scheduler/counters.rs`, which also explains how busy time is measured) and read
//! here with relaxed loads: a snapshot taken while tasks run is approximate (each number
//! is exact for *some* recent moment), one taken when the runtime is idle is exact.
//!
//! `Display` prints one aligned row per worker and a total row, for example:
//! ```text
//! multi_thread runtime: 0 live tasks, 0 remote spawns
//! worker core      polls      busy   spawns     lifo    local  inject steals  stolen  parks unparks     io timers
//!      0    0      10001    3.20ms    10000     9001      998       2      0       0      4       3      0      0
//!      1    1        120  120.00µs        0        0       10       0      3     110      6       5      0      0
//!  total    -      10121    3.32ms    10000     9001     1008       2      3     110     10       8      0      0
//! ```
//! (`core` is the pinned core, `-` when unpinned; `io` and `timers` count the readiness
//! events and timers the worker dispatched while it ran the driver.) A traced runtime
//! adds its top tasks by total poll time (id, polls, poll time, name).

use std::fmt;
use std::time::Duration;

/// Counters of one runtime worker (for a current-thread runtime: of the `block_on` thread).
/// Not to be confused with `spindle::pool::ThreadStats`, a pool thread's job counters.
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
    /// Time spent running tasks and finding the next one (from the first task found after
    /// sleeping to running out of work; see `scheduler/counters.rs`).
    pub busy: Duration,
    /// I/O readiness events this worker dispatched while it ran the I/O driver.
    pub io_events: u64,
    /// Timers this worker fired while it ran the time driver.
    pub timers_fired: u64,
    /// The core this worker is pinned to (`Builder::pin_workers(true)`); `None` if the
    /// kernel places it.
    pub pinned_core: Option<usize>,
}

/// A snapshot of the runtime's counters (approximate while tasks run).
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeStats {
    /// `"multi_thread"` or `"current_thread"`.
    pub flavor: &'static str,
    /// One entry per worker.
    pub workers: Vec<WorkerStats>,
    /// Tasks spawned from threads that are not workers of this runtime.
    pub remote_spawns: u64,
    /// Tasks alive (spawned, not yet finished) when the snapshot was taken.
    pub live_tasks: usize,
    /// Per task: polls and total poll time, longest first (from the trace's poll
    /// start/end pairs; empty when the runtime is not traced, because timing each poll
    /// costs a clock read per poll).
    pub tasks: Vec<crate::trace::TaskStats>,
}

impl RuntimeStats {
    /// The sum over all workers (`pinned_core` is `None`).
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
                busy: a.busy + w.busy,
                io_events: a.io_events + w.io_events,
                timers_fired: a.timers_fired + w.timers_fired,
                pinned_core: None,
            })
    }
}

/// A duration in the unit that keeps 3 to 4 significant digits ("3.20ms").
pub(crate) struct Human(pub(crate) Duration);

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0.as_nanos() as f64;
        let s = if ns < 1e3 {
            format!("{ns:.0}ns")
        } else if ns < 1e6 {
            format!("{:.2}µs", ns / 1e3)
        } else if ns < 1e9 {
            format!("{:.2}ms", ns / 1e6)
        } else {
            format!("{:.2}s", ns / 1e9)
        };
        f.pad(&s)
    }
}

/// Column headers and widths of the table (one place, so header and rows agree).
const COLUMNS: [(&str, usize); 14] = [
    ("worker", 6),
    ("core", 4),
    ("polls", 10),
    ("busy", 9),
    ("spawns", 8),
    ("lifo", 8),
    ("local", 8),
    ("inject", 7),
    ("steals", 6),
    ("stolen", 7),
    ("parks", 6),
    ("unparks", 7),
    ("io", 6),
    ("timers", 6),
];

fn row(f: &mut fmt::Formatter<'_>, cells: [String; 14]) -> fmt::Result {
    for (i, (cell, (_, width))) in cells.iter().zip(COLUMNS).enumerate() {
        let sep = if i == 0 { "" } else { " " };
        write!(f, "{sep}{cell:>width$}")?;
    }
    writeln!(f)
}

fn cells(name: String, w: &WorkerStats) -> [String; 14] {
    [
        name,
        w.pinned_core
            .map_or_else(|| "-".to_string(), |c| c.to_string()),
        w.polls.to_string(),
        Human(w.busy).to_string(),
        w.spawns.to_string(),
        w.lifo_pops.to_string(),
        w.local_pops.to_string(),
        w.injector_pops.to_string(),
        w.steals.to_string(),
        w.stolen.to_string(),
        w.parks.to_string(),
        w.unparks.to_string(),
        w.io_events.to_string(),
        w.timers_fired.to_string(),
    ]
}

impl fmt::Display for RuntimeStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} runtime: {} live tasks, {} remote spawns",
            self.flavor, self.live_tasks, self.remote_spawns
        )?;
        row(f, COLUMNS.map(|(name, _)| name.to_string()))?;
        for (i, w) in self.workers.iter().enumerate() {
            row(f, cells(i.to_string(), w))?;
        }
        row(f, cells("total".to_string(), &self.total()))?;
        if self.tasks.is_empty() {
            return Ok(());
        }
        let shown = self.tasks.len().min(TOP_TASKS);
        writeln!(
            f,
            "top {shown} of {} traced tasks by poll time:",
            self.tasks.len()
        )?;
        writeln!(
            f,
            "{:>10} {:>10} {:>10}  name",
            "task", "polls", "poll time"
        )?;
        for t in &self.tasks[..shown] {
            writeln!(
                f,
                "{:>10} {:>10} {:>10}  {}",
                t.task,
                t.polls,
                Human(t.poll_time),
                t.name.as_deref().unwrap_or("-")
            )?;
        }
        Ok(())
    }
}

/// Task rows `Display` prints (the list itself keeps every task).
const TOP_TASKS: usize = 10;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn table_has_aligned_rows_per_worker_and_total() {
        let w = WorkerStats {
            polls: 12345,
            busy: Duration::from_micros(3200),
            pinned_core: Some(1),
            ..WorkerStats::default()
        };
        let s = RuntimeStats {
            flavor: "multi_thread",
            workers: vec![w, WorkerStats::default()],
            remote_spawns: 1,
            live_tasks: 0,
            tasks: Vec::new(),
        };
        let text = s.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        let width = lines[1].chars().count();
        assert!(
            lines[2..].iter().all(|l| l.chars().count() == width),
            "{text}"
        );
        let cols: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(cols[..4], ["0", "1", "12345", "3.20ms"], "{text}");
        assert!(lines[4].trim_start().starts_with("total"), "{text}");
        assert_eq!(s.total().polls, 12345);
    }

    #[test]
    fn traced_stats_list_the_top_tasks() {
        let task = |task, ms| crate::trace::TaskStats {
            task,
            name: (task == 7).then(|| "fetch".to_string()),
            polls: 2,
            poll_time: Duration::from_millis(ms),
        };
        let s = RuntimeStats {
            flavor: "current_thread",
            workers: vec![WorkerStats::default()],
            remote_spawns: 0,
            live_tasks: 0,
            tasks: (0..12).map(|i| task(i, 20 - i)).collect(),
        };
        let text = s.to_string();
        assert!(text.contains("top 10 of 12 traced tasks"), "{text}");
        let row7 = text.lines().find(|l| l.ends_with("fetch")).expect(&text);
        let cols: Vec<&str> = row7.split_whitespace().collect();
        assert_eq!(cols, ["7", "2", "13.00ms", "fetch"], "{text}");
        assert!(!text.contains("\n        11 "), "only the top 10: {text}");
    }
}
