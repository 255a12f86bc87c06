//! The blocked-worker detector: `Builder::warn_long_polls(threshold)` (or the environment
//! variable `SPINDLE_LONG_POLL=50ms`) reports a poll that has run longer than the
//! threshold *while it still runs*: one stderr line, or the `Builder::on_long_poll`
//! callback, naming the task, its spawn location, the worker and how long it has run.
//!
//! ## How it notices a poll that has not returned
//! It needs nothing new on the hot path: the task dump's per-task `Activity`
//! (`task/activity.rs`) already has what a per-worker slot would hold. At the start of
//! each poll the harness bumps the task's poll count (the poll's sequence number), stamps
//! the coarse clock into `last_poll_ms` and writes `Running(worker)` into its wait slot;
//! the state word's RUNNING bit says the poll has not returned. One watchdog thread per
//! runtime (started only when the detector is on) wakes every `threshold / 2` and walks
//! the runtime's task lists exactly as the dump does (`OwnedTasks::for_each`, one shard
//! lock at a time, atomic loads only). A task that is RUNNING and whose last poll started
//! more than `threshold` ago is reported, once per `(task, poll count)`: the poll count
//! does not move while that poll runs, and moves when the next one starts.
//!
//! States of the watchdog: *sleeping* (in `Condvar::wait_timeout`), *walking*, *stopped*
//! (the runtime dropped: the flag is set under the mutex and the condvar notified, so the
//! thread never sleeps through its stop; `Drop` joins it).
//!
//! Resolution: the coarse clock ticks every 1-4 ms and the walk runs every half
//! threshold, so a poll is reported between `threshold` and about `1.5 * threshold + 4
//! ms` after it started. Blocking-pool tasks are not watched: blocking is their job.
//! Not done yet: a mark in the trace (it needs a new trace event kind).

use std::collections::HashSet;
use std::fmt;
use std::panic::Location;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::scheduler;
use crate::task::Id;
use crate::wait::Wait;

/// One poll that has run longer than the threshold, reported while it runs.
#[derive(Clone, Debug)]
pub struct LongPoll {
    /// The task being polled.
    pub task: Id,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// Where it was spawned.
    pub location: Option<&'static Location<'static>>,
    /// The worker polling it (`None`: a thread that is not a worker, e.g. the
    /// current-thread runtime's `block_on` thread).
    pub worker: Option<u32>,
    /// How long the poll has run so far (coarse: a few milliseconds' resolution).
    pub running_for: Duration,
}

impl fmt::Display for LongPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "spindle: task {}", self.task)?;
        if let Some(name) = &self.name {
            write!(f, " ({name:?})")?;
        }
        match self.location {
            Some(l) => write!(f, " spawned at {l}")?,
            None => f.write_str(" (spawn location unknown)")?,
        }
        match self.worker {
            Some(w) => write!(f, " has been polled on worker {w}")?,
            None => f.write_str(" has been polled")?,
        }
        write!(
            f,
            " for {} ms without returning: a blocking call inside an async task? \
             (move it to spawn_blocking)",
            self.running_for.as_millis()
        )
    }
}

/// The callback type of `Builder::on_long_poll`.
pub(crate) type Callback = Arc<dyn Fn(&LongPoll) + Send + Sync + 'static>;

/// Parses `SPINDLE_LONG_POLL`: a number with a unit `us`, `ms` or `s` (`50ms`, `1s`).
pub(crate) fn parse_threshold(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| {
        format!("SPINDLE_LONG_POLL={text:?}: expected a number with a unit, like 50ms")
    })?;
    let d = match unit.trim() {
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        other => {
            return Err(format!(
                "SPINDLE_LONG_POLL={text:?}: unknown unit {other:?} (use us, ms or s, like 50ms)"
            ));
        }
    };
    if d < Duration::from_millis(1) {
        return Err(format!(
            "SPINDLE_LONG_POLL={text:?}: the threshold must be at least 1ms"
        ));
    }
    Ok(d)
}

/// The watchdog thread of one runtime; dropping this stops and joins it.
pub(crate) struct Watchdog {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    /// Starts the watchdog for the runtime of `handle`.
    pub(crate) fn start(
        handle: scheduler::Handle,
        threshold: Duration,
        callback: Option<Callback>,
    ) -> std::io::Result<Watchdog> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let thread = std::thread::Builder::new()
            .name("spindle-long-poll".into())
            .spawn({
                let stop = stop.clone();
                move || watch(&handle, threshold, callback, &stop)
            })?;
        Ok(Watchdog {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        *self.stop.0.lock().unwrap() = true;
        self.stop.1.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn watch(
    handle: &scheduler::Handle,
    threshold: Duration,
    callback: Option<Callback>,
    stop: &(Mutex<bool>, Condvar),
) {
    let threshold_ms = threshold.as_millis().min(u32::MAX as u128) as u32;
    let period = (threshold / 2).max(Duration::from_millis(1));
    // Polls already reported, as (task, poll count); pruned to the ones still running.
    let mut reported: HashSet<(Id, u32)> = HashSet::new();
    let mut stopped = stop.0.lock().unwrap();
    loop {
        stopped = stop.1.wait_timeout(stopped, period).unwrap().0;
        if *stopped {
            return;
        }
        let mut long = Vec::new();
        let mut still_running = HashSet::new();
        let now_ms = crate::wait::coarse_ms();
        let common = handle.common();
        let local_sets: Vec<_> = common
            .local_sets
            .lock()
            .unwrap()
            .iter()
            .filter_map(std::sync::Weak::upgrade)
            .collect();
        let mut lists = vec![&common.owned];
        lists.extend(local_sets.iter().map(|s| s.owned()));
        for list in lists {
            list.for_each(|task| {
                let s = task.sample();
                if !s.running {
                    return;
                }
                let key = (s.id, s.activity.polls);
                still_running.insert(key);
                let ran = now_ms.wrapping_sub(s.activity.last_poll_ms);
                if ran > threshold_ms && !reported.contains(&key) {
                    reported.insert(key);
                    long.push(LongPoll {
                        task: s.id,
                        name: s.activity.name,
                        location: s.activity.location,
                        worker: match s.activity.wait {
                            Wait::Running(w) if w != u32::MAX => Some(w),
                            _ => None,
                        },
                        running_for: Duration::from_millis(ran as u64),
                    });
                }
            });
        }
        reported.retain(|k| still_running.contains(k));
        // Report outside the locks (a callback may do anything, even take a dump).
        drop(stopped);
        for report in &long {
            match &callback {
                Some(cb) => cb(report),
                None => eprintln!("{report}"),
            }
        }
        stopped = stop.0.lock().unwrap();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::parse_threshold;
    use std::time::Duration;

    #[test]
    fn thresholds_parse_with_units_and_bad_ones_are_errors() {
        assert_eq!(parse_threshold("50ms"), Ok(Duration::from_millis(50)));
        assert_eq!(parse_threshold(" 2s "), Ok(Duration::from_secs(2)));
        assert_eq!(parse_threshold("1500us"), Ok(Duration::from_micros(1500)));
        for bad in ["", "50", "ms", "50 parsecs", "-5ms", "0ms", "10us"] {
            let e = parse_threshold(bad).unwrap_err();
            assert!(e.contains("SPINDLE_LONG_POLL"), "{bad}: {e}");
        }
    }
}
