//! Pairing a lane's starts and ends into slices (intervals), with a stack.
//!
//! Events are instants; a timeline needs intervals. [`walk`] reads one lane's events in
//! order and reports [`Step`]s: a slice begins, a slice ends (with its kind and start),
//! or an instant event that is not part of a pair.
//!
//! ## Algorithm
//!
//! A stack of open slices. `PollStart`, `JobStart` and `Park` push (a `Park` while the
//! top is already parked is ignored). `PollEnd { task }`, `JobEnd { job }` and `Unpark`
//! close the innermost open slice they match:
//!
//! * found on top: pop it, a *complete* slice;
//! * found deeper (the ends of the slices above it were lost): close those above first
//!   at this time, marked incomplete, then the match;
//! * not found (its start came before the recording, or a second end): dropped.
//!
//! At the end of the lane every slice still open (the snapshot cut it in half) is
//! closed at the lane's last timestamp, marked incomplete.
//!
//! ## Invariants (what the exporters rely on)
//!
//! * Every `Begin` has exactly one later `End`, and ends come in reverse order of
//!   begins (properly nested), which is exactly what Chrome's B/E events require per
//!   thread.
//! * Step times never decrease, as the lane's event times never decrease.
//!
//! Nesting is real, not only an artefact: a pool thread inside `join` runs other jobs
//! while its own job waits, and may park inside a job.

use crate::event::{Event, EventKind};

/// What an interval on a lane was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SliceKind {
    /// A task poll, on core `cpu` (`u32::MAX` if unknown).
    Poll { task: u64, cpu: u32 },
    /// A pool job, on core `cpu` (`u32::MAX` if unknown).
    Job { job: u64, cpu: u32 },
    /// The thread slept.
    Parked,
}

/// One step of the walk over a lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    /// A slice opens at `t`, at nesting depth `depth` (0 = outermost).
    Begin {
        t: u64,
        kind: SliceKind,
        depth: usize,
    },
    /// The slice opened at `start` closes at `end`. `complete` is false when its end was
    /// not recorded (cut by the snapshot, or lost), `ready` is the poll's result if known.
    End {
        start: u64,
        end: u64,
        kind: SliceKind,
        depth: usize,
        complete: bool,
        ready: Option<bool>,
    },
    /// An event that is not a start or an end (spawn, wake, steal, notify, I/O, timers).
    Instant(&'a Event),
}

/// Whether an open slice is the one an end event closes.
type EndMatcher = fn(&SliceKind, &EventKind) -> bool;

/// Walks one lane's events (in time order) and calls `visit` for each step.
pub(crate) fn walk<'a>(events: &'a [Event], mut visit: impl FnMut(Step<'a>)) {
    let mut open: Vec<(u64, SliceKind)> = Vec::new();
    for event in events {
        let t = event.t_ns;
        let (matches, ready): (EndMatcher, Option<bool>) = match event.kind {
            EventKind::PollStart { task, cpu } => {
                push(&mut open, t, SliceKind::Poll { task, cpu }, &mut visit);
                continue;
            }
            EventKind::JobStart { job, cpu } => {
                push(&mut open, t, SliceKind::Job { job, cpu }, &mut visit);
                continue;
            }
            EventKind::Park => {
                if !matches!(open.last(), Some((_, SliceKind::Parked))) {
                    push(&mut open, t, SliceKind::Parked, &mut visit);
                }
                continue;
            }
            EventKind::PollEnd { ready, .. } => (is_poll_of, Some(ready)),
            EventKind::JobEnd { .. } => (is_job_of, None),
            EventKind::Unpark => (|k, _| *k == SliceKind::Parked, None),
            _ => {
                visit(Step::Instant(event));
                continue;
            }
        };
        let Some(pos) = open.iter().rposition(|(_, k)| matches(k, &event.kind)) else {
            continue; // an end without a start: dropped
        };
        while open.len() > pos + 1 {
            close(&mut open, t, false, None, &mut visit);
        }
        close(&mut open, t, true, ready, &mut visit);
    }
    let last = events.last().map_or(0, |e| e.t_ns);
    while !open.is_empty() {
        close(&mut open, last, false, None, &mut visit);
    }
}

fn is_poll_of(open: &SliceKind, end: &EventKind) -> bool {
    matches!((open, end), (SliceKind::Poll { task, .. }, EventKind::PollEnd { task: t, .. }) if task == t)
}

fn is_job_of(open: &SliceKind, end: &EventKind) -> bool {
    matches!((open, end), (SliceKind::Job { job, .. }, EventKind::JobEnd { job: j }) if job == j)
}

fn push<'a>(
    open: &mut Vec<(u64, SliceKind)>,
    t: u64,
    kind: SliceKind,
    visit: &mut impl FnMut(Step<'a>),
) {
    visit(Step::Begin {
        t,
        kind,
        depth: open.len(),
    });
    open.push((t, kind));
}

fn close<'a>(
    open: &mut Vec<(u64, SliceKind)>,
    end: u64,
    complete: bool,
    ready: Option<bool>,
    visit: &mut impl FnMut(Step<'a>),
) {
    let (start, kind) = open.pop().expect("close is only called with a slice open");
    visit(Step::End {
        start,
        end,
        kind,
        depth: open.len(),
        complete,
        ready,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t_ns: u64, kind: EventKind) -> Event {
        Event { t_ns, kind }
    }

    /// (start, end, kind, complete) of every End step.
    fn ends(events: &[Event]) -> Vec<(u64, u64, SliceKind, bool)> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        walk(events, |step| match step {
            Step::Begin { depth: d, .. } => {
                assert_eq!(d, depth);
                depth += 1;
            }
            Step::End {
                start,
                end,
                kind,
                complete,
                depth: d,
                ..
            } => {
                depth -= 1;
                assert_eq!(d, depth);
                out.push((start, end, kind, complete));
            }
            Step::Instant(_) => {}
        });
        assert_eq!(depth, 0, "every begin has an end");
        out
    }

    #[test]
    fn pairs_nest_and_cut_slices_close_at_the_last_timestamp() {
        use EventKind::*;
        let p1 = SliceKind::Poll { task: 1, cpu: 0 };
        let j7 = SliceKind::Job { job: 7, cpu: 1 };
        let j8 = SliceKind::Job { job: 8, cpu: 1 };
        let events = [
            ev(
                5,
                PollEnd {
                    task: 9,
                    ready: false,
                },
            ), // end without start: dropped
            ev(10, PollStart { task: 1, cpu: 0 }),
            ev(12, Wake { task: 2 }),
            ev(
                20,
                PollEnd {
                    task: 1,
                    ready: true,
                },
            ),
            ev(30, JobStart { job: 7, cpu: 1 }),
            ev(31, JobStart { job: 8, cpu: 1 }),
            ev(35, JobEnd { job: 8 }),
            ev(40, Park),
            ev(41, Park), // already parked: ignored
            ev(50, Unpark),
            ev(55, Unpark), // not parked: dropped
            ev(60, JobEnd { job: 7 }),
            ev(70, PollStart { task: 1, cpu: 0 }),
            ev(
                75,
                Steal {
                    victim: 1,
                    count: 3,
                },
            ), // cut: closes at 75
        ];
        assert_eq!(
            ends(&events),
            [
                (10, 20, p1, true),
                (31, 35, j8, true),
                (40, 50, SliceKind::Parked, true),
                (30, 60, j7, true),
                (70, 75, p1, false),
            ]
        );
    }

    #[test]
    fn an_end_deeper_in_the_stack_closes_the_slices_above_it() {
        use EventKind::*;
        let events = [
            ev(1, JobStart { job: 1, cpu: 0 }),
            ev(2, PollStart { task: 4, cpu: 0 }),
            ev(3, JobEnd { job: 1 }),
        ];
        assert_eq!(
            ends(&events),
            [
                (2, 3, SliceKind::Poll { task: 4, cpu: 0 }, false),
                (1, 3, SliceKind::Job { job: 1, cpu: 0 }, true),
            ]
        );
    }
}
