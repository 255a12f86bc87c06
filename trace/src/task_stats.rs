//! Per-task totals: how often each task was polled and for how long.
//!
//! Built from the same slices the pictures show (`slices.rs`): a poll counts when both
//! its `PollStart` and its `PollEnd` were recorded (a poll cut in half by the snapshot
//! has no known duration and is left out). Tasks that were spawned but never polled are
//! listed with zero polls: "spawned and starved" is worth seeing. The list is sorted
//! by total poll time, longest first, so the first rows answer "where did the time go".

use std::collections::HashMap;
use std::time::Duration;

use crate::event::EventKind;
use crate::slices::{SliceKind, Step, walk};
use crate::trace::Trace;

/// One task's totals over a [`Trace`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskStats {
    /// The task's id.
    pub task: u64,
    /// Its name, if it was given one ([`crate::Recorder::name_task`]).
    pub name: Option<String>,
    /// Completed polls (both start and end recorded).
    pub polls: u64,
    /// Sum of those polls' durations.
    pub poll_time: Duration,
}

pub(crate) fn task_stats(trace: &Trace) -> Vec<TaskStats> {
    // task -> (polls, nanoseconds)
    let mut totals: HashMap<u64, (u64, u64)> = HashMap::new();
    for lane in &trace.lanes {
        walk(&lane.events, |step| match step {
            Step::End {
                start,
                end,
                kind: SliceKind::Poll { task, .. },
                complete: true,
                ..
            } => {
                let entry = totals.entry(task).or_default();
                entry.0 += 1;
                entry.1 += end - start;
            }
            Step::Instant(e) => {
                if let EventKind::Spawn { task, .. } = e.kind {
                    totals.entry(task).or_default();
                }
            }
            _ => {}
        });
    }
    for e in &trace.shared {
        if let EventKind::Spawn { task, .. } = e.kind {
            totals.entry(task).or_default();
        }
    }
    let mut stats: Vec<TaskStats> = totals
        .into_iter()
        .map(|(task, (polls, ns))| TaskStats {
            task,
            name: trace.task_names.get(&task).cloned(),
            polls,
            poll_time: Duration::from_nanos(ns),
        })
        .collect();
    stats.sort_by(|a, b| b.poll_time.cmp(&a.poll_time).then(a.task.cmp(&b.task)));
    stats
}

#[cfg(test)]
mod tests {
    use crate::{Event, EventKind, LaneKind, LaneTrace, Trace};
    use std::time::Duration;

    fn ev(t_ns: u64, kind: EventKind) -> Event {
        Event { t_ns, kind }
    }

    #[test]
    fn sums_complete_polls_per_task_across_lanes() {
        use EventKind::*;
        let lane = |index, events| LaneTrace {
            kind: LaneKind::Worker,
            index,
            events,
        };
        let trace = Trace {
            lanes: vec![
                lane(
                    0,
                    vec![
                        ev(
                            0,
                            Spawn {
                                task: 3,
                                parent: Some(1),
                            },
                        ),
                        ev(10, PollStart { task: 1, cpu: 0 }),
                        ev(
                            40,
                            PollEnd {
                                task: 1,
                                ready: false,
                            },
                        ),
                        ev(50, PollStart { task: 2, cpu: 0 }),
                        ev(
                            55,
                            PollEnd {
                                task: 2,
                                ready: true,
                            },
                        ),
                    ],
                ),
                lane(
                    1,
                    vec![
                        ev(20, PollStart { task: 1, cpu: 1 }),
                        ev(
                            120,
                            PollEnd {
                                task: 1,
                                ready: true,
                            },
                        ),
                        ev(130, PollStart { task: 2, cpu: 1 }), // cut: not counted
                        ev(140, Wake { task: 1 }),
                    ],
                ),
            ],
            shared: vec![ev(
                1,
                Spawn {
                    task: 9,
                    parent: None,
                },
            )],
            task_names: [(1, "reader".to_string())].into_iter().collect(),
        };
        let stats = trace.task_stats();
        let rows: Vec<_> = stats
            .iter()
            .map(|s| (s.task, s.name.as_deref(), s.polls, s.poll_time))
            .collect();
        assert_eq!(
            rows,
            [
                (1, Some("reader"), 2, Duration::from_nanos(130)),
                (2, None, 1, Duration::from_nanos(5)),
                (3, None, 0, Duration::ZERO),
                (9, None, 0, Duration::ZERO),
            ]
        );
    }
}
