//! The marks of a row: small shapes for instant events, at most one per kind per pixel.
//!
//! | kind | shape | where |
//! |---|---|---|
//! | steal | red ▼ | top band |
//! | notify (this thread woke a sleeper) | blue ◆ | top band |
//! | I/O events dispatched | green ■ | top band |
//! | timers fired | purple ○ | top band |
//! | wake (on the *waker's* row) | black • | bottom band |
//! | spawn | grey + | bottom band |
//!
//! ## Capping
//!
//! A worker that wakes a task every poll would draw a million dots. Events arrive in time
//! order, so their pixel column never decreases: for each kind we keep one open
//! *bucket* (column, first event, count, summed amount) and draw it when an event of that
//! kind lands in a later column. One mark per kind per column, whose tooltip says how
//! many events it stands for ("12 wakes", "3 steals, 7 taken").

use std::fmt::Write;

use crate::event::{Event, EventKind};
use crate::svg_lane::{BAR_H, MARK_H, RowContext, STRIP_H};
use crate::svg_scale::human_duration;

/// The kinds of marks, in the order of [`MARK_NAMES`].
const MARK_KINDS: usize = 6;

/// The mark kind of an instant event (an index into [`MARK_NAMES`]), if it has one.
pub(crate) fn mark_kind(e: &EventKind) -> Option<usize> {
    Some(match e {
        EventKind::Steal { .. } => 0,
        EventKind::Notify { .. } => 1,
        EventKind::IoEvents { .. } => 2,
        EventKind::TimersFired { .. } => 3,
        EventKind::Wake { .. } => 4,
        EventKind::Spawn { .. } => 5,
        _ => return None,
    })
}

/// One pixel column's worth of marks of one kind.
struct Bucket<'a> {
    col: i64,
    first: &'a Event,
    count: u64,
    /// Sum of the `count` fields (tasks stolen, events, timers).
    total: u64,
}

pub(crate) fn draw_marks<'a>(
    out: &mut String,
    cx: &RowContext<'_>,
    events: impl Iterator<Item = &'a Event>,
) {
    let mut open: [Option<Bucket<'a>>; MARK_KINDS] = Default::default();
    for e in events {
        let Some(k) = mark_kind(&e.kind) else {
            continue;
        };
        let col = cx.x(e.t_ns).floor() as i64;
        let amount = match e.kind {
            EventKind::Steal { count, .. }
            | EventKind::IoEvents { count }
            | EventKind::TimersFired { count } => u64::from(count),
            _ => 1,
        };
        match &mut open[k] {
            Some(b) if b.col == col => {
                b.count += 1;
                b.total += amount;
            }
            slot => {
                if let Some(b) = slot.take() {
                    draw_mark(out, cx, k, &b);
                }
                *slot = Some(Bucket {
                    col,
                    first: e,
                    count: 1,
                    total: amount,
                });
            }
        }
    }
    for (k, slot) in open.into_iter().enumerate() {
        if let Some(b) = slot {
            draw_mark(out, cx, k, &b);
        }
    }
}

fn draw_mark(out: &mut String, cx: &RowContext<'_>, k: usize, b: &Bucket<'_>) {
    let x = cx.x(b.first.t_ns);
    let at = human_duration(b.first.t_ns.saturating_sub(cx.t0));
    let lane = |i: u32| format!("{} {i}", cx.kind);
    let title = match (b.count, b.first.kind) {
        (1, EventKind::Steal { victim, count }) => format!("stole {count} from {}", lane(victim)),
        (1, EventKind::Notify { target }) => format!("woke {}", lane(target)),
        (1, EventKind::IoEvents { count }) => format!("{count} I/O events"),
        (1, EventKind::TimersFired { count }) => format!("{count} timers fired"),
        (1, EventKind::Wake { task }) => format!("woke {}", cx.task_label(task)),
        (1, EventKind::Spawn { task, .. }) => format!("spawned {}", cx.task_label(task)),
        (n, EventKind::Steal { .. }) => format!("{n} steals, {} taken", b.total),
        (n, EventKind::Notify { .. }) => format!("{n} notifies"),
        (n, EventKind::IoEvents { .. }) => format!("{n} I/O dispatches, {} events", b.total),
        (n, EventKind::TimersFired { .. }) => format!("{n} timer turns, {} timers", b.total),
        (n, EventKind::Wake { .. }) => format!("{n} wakes"),
        (n, _) => format!("{n} spawns"),
    };
    let shape = mark_shape(k, x, cx.y);
    let _ = writeln!(
        out,
        "{}<title>{title}\nat {at}</title></{}>",
        shape.0, shape.1
    );
}

/// The opening tag of mark kind `k` at (x, row top y), and its element name. Also used
/// by the legend.
pub(crate) fn mark_shape(k: usize, x: f64, y: f64) -> (String, &'static str) {
    let top = y + 1.0;
    let bottom = y + MARK_H + BAR_H + STRIP_H; // top of the wake band
    match k {
        0 => (
            format!(
                "<path d=\"M{:.1} {top:.1}h6l-3 6z\" fill=\"#d62728\">",
                x - 3.0
            ),
            "path",
        ),
        1 => (
            format!("<path d=\"M{x:.1} {top:.1}l3 3l-3 3l-3 -3z\" fill=\"#1f77b4\">"),
            "path",
        ),
        2 => (
            format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"5\" height=\"5\" fill=\"#2ca02c\">",
                x - 2.5,
                top + 0.5
            ),
            "rect",
        ),
        3 => (
            format!(
                "<circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"2.6\" fill=\"none\" stroke=\"#9467bd\" stroke-width=\"1.3\">",
                top + 3.0
            ),
            "circle",
        ),
        4 => (
            format!(
                "<circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"1.8\" fill=\"#222222\">",
                bottom + 3.0
            ),
            "circle",
        ),
        _ => (
            format!(
                "<path d=\"M{:.1} {:.1}h5M{x:.1} {:.1}v5\" stroke=\"#555555\" stroke-width=\"1.2\">",
                x - 2.5,
                bottom + 3.0,
                bottom + 0.5
            ),
            "path",
        ),
    }
}

/// Names of the mark kinds for the legend, in kind order.
pub(crate) const MARK_NAMES: [&str; MARK_KINDS] = [
    "steal",
    "notify (unpark a sleeper)",
    "I/O events",
    "timers fired",
    "wake (on the waker's row)",
    "spawn",
];
