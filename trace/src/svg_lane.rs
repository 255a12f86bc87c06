//! One row of the SVG timeline: a lane's slices as bars, its core strip, its marks.
//!
//! ## Geometry of a row (top to bottom)
//!
//! | band | height | what |
//! |---|---|---|
//! | marks | 8 px | ▼ steal, ◆ notify, ■ I/O events, ○ timers fired |
//! | bars | 16 px | polls (colour of the task), jobs (colour of the job), parked (hatched) |
//! | core strip | 3 px | the core of each poll or job (colour of the core) |
//! | wakes | 6 px | • wake (on the waker's row), + spawn |
//!
//! Nested slices (a job run inside another job's `join`, a park inside a job) are drawn
//! inset by 2 px per level, on top of their parent.
//!
//! ## Staying small: merging and capping
//!
//! A busy lane of a million polls cannot become a million rectangles. Per nesting level,
//! bars narrower than [`MIN_BAR_PX`] are merged with their neighbours into one *run*
//! while the gap between them is also under [`MIN_BAR_PX`]. A run is drawn once: in the
//! colour of its dominant task if one task has 60% or more of its busy time, in neutral
//! slate otherwise, with an opacity that grows with how much of the run was busy, and a
//! tooltip that counts what it holds. Bars stay in time order per level (see
//! `slices.rs`), so merging is one pass. Marks are capped at one per kind per pixel
//! column; the mark drawn says how many it stands for. A row therefore has at most a few
//! thousand elements whatever the trace holds.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::event::{Event, EventKind};
use crate::lane::LaneKind;
use crate::palette::{cpu_colour, job_colour, task_colour};
use crate::slices::{SliceKind, Step, walk};
use crate::svg_scale::{Scale, human_duration};
use crate::trace::Trace;

/// Bars (and gaps) narrower than this many pixels are merged into runs.
pub(crate) const MIN_BAR_PX: f64 = 0.5;
pub(crate) const MARK_H: f64 = 8.0;
pub(crate) const BAR_H: f64 = 16.0;
pub(crate) const STRIP_H: f64 = 3.0;
pub(crate) const WAKE_H: f64 = 6.0;
/// Height of one row.
pub(crate) const ROW_H: f64 = MARK_H + BAR_H + STRIP_H + WAKE_H;
/// Fill of a merged run of several tasks.
pub(crate) const MIXED_FILL: &str = "#6b7a90";

/// What a row draws beside its events: where it is and how times map to pixels.
pub(crate) struct RowContext<'a> {
    pub(crate) trace: &'a Trace,
    pub(crate) scale: Scale,
    /// Time of the left edge (the first event of the trace).
    pub(crate) t0: u64,
    /// Top of the row.
    pub(crate) y: f64,
    /// The kind of the row's lane (for steal victims and notify targets).
    pub(crate) kind: LaneKind,
}

impl RowContext<'_> {
    fn x(&self, t: u64) -> f64 {
        self.scale.x(t.saturating_sub(self.t0))
    }

    fn task_label(&self, task: u64) -> String {
        match self.trace.task_names.get(&task) {
            Some(name) => format!("{} (task {task})", xml(name)),
            None => format!("task {task}"),
        }
    }
}

/// A slice as drawn: times and what it was.
struct Bar {
    start: u64,
    end: u64,
    kind: SliceKind,
    depth: usize,
    complete: bool,
}

/// Draws the bars, core strip and marks of one lane; returns the cores it ran on.
pub(crate) fn draw_lane(out: &mut String, cx: &RowContext<'_>, events: &[Event]) -> BTreeSet<u32> {
    let mut bars: Vec<Bar> = Vec::new();
    let mut instants: Vec<&Event> = Vec::new();
    walk(events, |step| match step {
        Step::End {
            start,
            end,
            kind,
            depth,
            complete,
            ..
        } => bars.push(Bar {
            start,
            end,
            kind,
            depth,
            complete,
        }),
        Step::Instant(e) => instants.push(e),
        Step::Begin { .. } => {}
    });
    let max_depth = bars.iter().map(|b| b.depth).max().unwrap_or(0);
    for depth in 0..=max_depth {
        // Bars of one depth are disjoint and arrive in end order, so in time order.
        let level = bars.iter().filter(|b| b.depth == depth);
        draw_level(out, cx, depth, level);
    }
    let cpus = draw_strip(out, cx, bars.iter().filter(|b| b.depth == 0));
    draw_marks(out, cx, instants.into_iter());
    cpus
}

/// Draws the marks of events from threads without a lane (wakes, spawns).
pub(crate) fn draw_shared(out: &mut String, cx: &RowContext<'_>, events: &[Event]) {
    draw_marks(out, cx, events.iter());
}

/// A merged run of narrow bars.
struct Run {
    x0: f64,
    x1: f64,
    start: u64,
    end: u64,
    busy_ns: u64,
    count: u64,
    /// Busy time per key (task, job or parked); a handful of entries, then "others".
    keys: Vec<(Key, u64)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Task(u64),
    Job(u64),
    Parked,
}

impl Key {
    fn of(kind: SliceKind) -> Key {
        match kind {
            SliceKind::Poll { task, .. } => Key::Task(task),
            SliceKind::Job { job, .. } => Key::Job(job),
            SliceKind::Parked => Key::Parked,
        }
    }

    fn fill(self) -> String {
        match self {
            Key::Task(t) => task_colour(t),
            Key::Job(j) => job_colour(j),
            Key::Parked => "url(#parked)".to_string(),
        }
    }
}

fn draw_level<'a>(
    out: &mut String,
    cx: &RowContext<'_>,
    depth: usize,
    bars: impl Iterator<Item = &'a Bar>,
) {
    let inset = 2.0 * depth as f64;
    let y = cx.y + MARK_H + inset;
    let h = (BAR_H - 2.0 * inset).max(4.0);
    let mut run: Option<Run> = None;
    for bar in bars {
        let (x0, x1) = (cx.x(bar.start), cx.x(bar.end));
        if x1 - x0 >= MIN_BAR_PX {
            if let Some(r) = run.take() {
                draw_run(out, cx, &r, y, h);
            }
            draw_bar(out, cx, bar, x0, x1, y, h);
            continue;
        }
        let ns = bar.end - bar.start;
        let key = Key::of(bar.kind);
        match &mut run {
            Some(r) if x0 - r.x1 < MIN_BAR_PX => {
                r.x1 = x1;
                r.end = bar.end;
                r.busy_ns += ns;
                r.count += 1;
                add_key(&mut r.keys, key, ns);
            }
            _ => {
                if let Some(r) = run.take() {
                    draw_run(out, cx, &r, y, h);
                }
                run = Some(Run {
                    x0,
                    x1,
                    start: bar.start,
                    end: bar.end,
                    busy_ns: ns,
                    count: 1,
                    keys: vec![(key, ns)],
                });
            }
        }
    }
    if let Some(r) = run {
        draw_run(out, cx, &r, y, h);
    }
}

/// Adds `ns` to `key`'s entry; past 8 keys, new keys are not tracked (they still count
/// in `busy_ns`, so a run of many small tasks is correctly "mixed").
fn add_key(keys: &mut Vec<(Key, u64)>, key: Key, ns: u64) {
    if let Some(entry) = keys.iter_mut().find(|(k, _)| *k == key) {
        entry.1 += ns;
    } else if keys.len() < 8 {
        keys.push((key, ns));
    }
}

fn draw_bar(out: &mut String, cx: &RowContext<'_>, bar: &Bar, x0: f64, x1: f64, y: f64, h: f64) {
    let dur = human_duration(bar.end - bar.start);
    let at = human_duration(bar.start.saturating_sub(cx.t0));
    let cut = if bar.complete {
        ""
    } else {
        " (end not recorded)"
    };
    let (fill, title) = match bar.kind {
        SliceKind::Poll { task, cpu } => (
            task_colour(task),
            format!(
                "{}\npoll of {dur}{cut} on cpu {}\nat {at}",
                cx.task_label(task),
                cpu_text(cpu)
            ),
        ),
        SliceKind::Job { job, cpu } => (
            job_colour(job),
            format!("job {job}\n{dur}{cut} on cpu {}\nat {at}", cpu_text(cpu)),
        ),
        SliceKind::Parked => (
            "url(#parked)".to_string(),
            format!("parked {dur}{cut}\nat {at}"),
        ),
    };
    let _ = writeln!(
        out,
        "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{fill}\"><title>{title}</title></rect>",
        x0,
        x1 - x0
    );
}

fn draw_run(out: &mut String, cx: &RowContext<'_>, run: &Run, y: f64, h: f64) {
    let width = (run.x1 - run.x0).max(MIN_BAR_PX);
    let span = (run.end - run.start).max(1);
    let occupancy = (run.busy_ns as f64 / span as f64).min(1.0);
    let (key, key_ns) = run
        .keys
        .iter()
        .copied()
        .max_by_key(|&(_, ns)| ns)
        .expect("a run holds at least one bar");
    let dominant = key_ns as f64 >= 0.6 * run.busy_ns as f64;
    let fill = if dominant {
        key.fill()
    } else {
        MIXED_FILL.to_string()
    };
    let what = match (dominant, key) {
        (true, Key::Task(t)) => format!("mostly {}", cx.task_label(t)),
        (true, Key::Job(j)) => format!("mostly job {j}"),
        (true, Key::Parked) => "parked".to_string(),
        (false, _) => "several tasks".to_string(),
    };
    let _ = write!(
        out,
        "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{h:.1}\" fill=\"{fill}\" fill-opacity=\"{:.2}\"><title>{} slices merged ({what})\nbusy {} of {} ({:.0}%)\nfrom {}</title></rect>\n",
        run.x0,
        0.35 + 0.65 * occupancy,
        run.count,
        human_duration(run.busy_ns),
        human_duration(span),
        occupancy * 100.0,
        human_duration(run.start.saturating_sub(cx.t0)),
    );
}

/// The core strip under the bars: one rectangle per stretch on one core (gaps under a
/// pixel bridged). Returns the set of cores seen.
fn draw_strip<'a>(
    out: &mut String,
    cx: &RowContext<'_>,
    bars: impl Iterator<Item = &'a Bar>,
) -> BTreeSet<u32> {
    let y = cx.y + MARK_H + BAR_H;
    let mut cpus = BTreeSet::new();
    let mut current: Option<(u32, f64, f64)> = None;
    let flush = |out: &mut String, (cpu, x0, x1): (u32, f64, f64)| {
        let _ = writeln!(
            out,
            "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{STRIP_H}\" fill=\"{}\"/>",
            (x1 - x0).max(MIN_BAR_PX),
            cpu_colour(cpu)
        );
    };
    for bar in bars {
        let cpu = match bar.kind {
            SliceKind::Poll { cpu, .. } | SliceKind::Job { cpu, .. } => cpu,
            SliceKind::Parked => continue,
        };
        if cpu != u32::MAX {
            cpus.insert(cpu);
        }
        let (x0, x1) = (cx.x(bar.start), cx.x(bar.end));
        match &mut current {
            Some((c, _, end)) if *c == cpu && x0 - *end < 1.0 => *end = x1,
            _ => {
                if let Some(seg) = current.take() {
                    flush(out, seg);
                }
                current = Some((cpu, x0, x1));
            }
        }
    }
    if let Some(seg) = current {
        flush(out, seg);
    }
    cpus
}

/// The kinds of marks, in the order of [`MARK_NAMES`].
const MARK_KINDS: usize = 6;

/// The mark kind of an instant event (an index into [`MARK_NAMES`]), if it has one.
fn mark_kind(e: &EventKind) -> Option<usize> {
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

fn draw_marks<'a>(out: &mut String, cx: &RowContext<'_>, events: impl Iterator<Item = &'a Event>) {
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

fn cpu_text(cpu: u32) -> String {
    if cpu == u32::MAX {
        "?".to_string()
    } else {
        cpu.to_string()
    }
}

/// `s` escaped for XML text and attribute values.
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newline are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
