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
//! while the gap between them is also under [`MIN_BAR_PX`] and the run is at most
//! [`MAX_RUN_PX`] wide; parked spans merge only with parked spans. A run is drawn once: in the
//! colour of its dominant task if one task has 60% or more of its busy time, in neutral
//! slate otherwise, with an opacity that grows with how much of the run was busy, and a
//! tooltip that counts what it holds. Bars stay in time order per level (see
//! `slices.rs`), so merging is one pass. Marks are capped too (`svg_marks.rs`). A row
//! therefore has at most a few thousand elements whatever the trace holds.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::fmt::Write;

use crate::event::{Event, EventKind};
use crate::lane::LaneKind;
use crate::palette::{cpu_colour, job_colour, task_colour};
use crate::slices::{SliceKind, Step, walk};
use crate::svg_marks::draw_marks;
use crate::svg_scale::{Scale, human_duration};
use crate::trace::Trace;

/// Bars (and gaps) narrower than this many pixels are merged into runs.
pub(crate) const MIN_BAR_PX: f64 = 0.5;
/// A run of merged bars is at most this wide, so a busy lane still shows where in time
/// each task dominated (and a row holds at most ~width / 3 runs per level).
pub(crate) const MAX_RUN_PX: f64 = 3.0;
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
    /// Merged runs drawn so far in this row.
    pub(crate) merged_runs: Cell<u64>,
}

impl RowContext<'_> {
    pub(crate) fn x(&self, t: u64) -> f64 {
        self.scale.x(t.saturating_sub(self.t0))
    }

    pub(crate) fn task_label(&self, task: u64) -> String {
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
    ready: Option<bool>,
}

/// What a row's label says about its lane.
#[derive(Default)]
pub(crate) struct LaneSummary {
    /// Cores its polls and jobs ran on.
    pub(crate) cpus: BTreeSet<u32>,
    pub(crate) polls: u64,
    pub(crate) jobs: u64,
    /// Time in outermost polls and jobs.
    pub(crate) busy_ns: u64,
    /// Time parked (outermost).
    pub(crate) parked_ns: u64,
    pub(crate) steals: u64,
    pub(crate) wakes: u64,
    /// Runs of merged slices drawn.
    pub(crate) merged_runs: u64,
}

/// Draws the bars, core strip and marks of one lane; returns its summary.
pub(crate) fn draw_lane(out: &mut String, cx: &RowContext<'_>, events: &[Event]) -> LaneSummary {
    let mut bars: Vec<Bar> = Vec::new();
    let mut instants: Vec<&Event> = Vec::new();
    walk(events, |step| match step {
        Step::End {
            start,
            end,
            kind,
            depth,
            complete,
            ready,
        } => bars.push(Bar {
            start,
            end,
            kind,
            depth,
            complete,
            ready,
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
    let mut summary = LaneSummary {
        cpus: draw_strip(out, cx, bars.iter().filter(|b| b.depth == 0)),
        ..LaneSummary::default()
    };
    for bar in &bars {
        match bar.kind {
            SliceKind::Poll { .. } => summary.polls += 1,
            SliceKind::Job { .. } => summary.jobs += 1,
            SliceKind::Parked => {}
        }
        if bar.depth == 0 {
            let ns = bar.end - bar.start;
            match bar.kind {
                SliceKind::Parked => summary.parked_ns += ns,
                _ => summary.busy_ns += ns,
            }
        }
    }
    for e in &instants {
        match e.kind {
            EventKind::Steal { .. } => summary.steals += 1,
            EventKind::Wake { .. } => summary.wakes += 1,
            _ => {}
        }
    }
    draw_marks(out, cx, instants.into_iter());
    summary.merged_runs = cx.merged_runs.get();
    summary
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
    let (parked, busy): (Vec<&Bar>, Vec<&Bar>) = bars.partition(|b| b.kind == SliceKind::Parked);
    // Sleep is the background, work is drawn over it; each merges only with its own
    // kind, so a run of short jobs between short naps stays a run of jobs.
    draw_stream(out, cx, y, h, parked);
    draw_stream(out, cx, y, h, busy);
}

/// Draws bars of one kind and level in time order, merging narrow neighbours into runs
/// no wider than [`MAX_RUN_PX`].
fn draw_stream(out: &mut String, cx: &RowContext<'_>, y: f64, h: f64, bars: Vec<&Bar>) {
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
            Some(r) if x0 - r.x1 < MIN_BAR_PX && x1 - r.x0 <= MAX_RUN_PX => {
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
    let outcome = match bar.ready {
        Some(true) => ", Ready (task done)",
        Some(false) => ", Pending",
        None => "",
    };
    let (fill, title) = match bar.kind {
        SliceKind::Poll { task, cpu } => (
            task_colour(task),
            format!(
                "{}\npoll of {dur}{cut}{outcome} on cpu {}\nat {at}",
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
    // A nested bar (a job inside a job) gets a white edge to stand out from its parent.
    let edge = if bar.depth > 0 {
        " stroke=\"#ffffff\" stroke-width=\"0.8\""
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{fill}\"{edge}><title>{title}</title></rect>",
        x0,
        x1 - x0
    );
}

fn draw_run(out: &mut String, cx: &RowContext<'_>, run: &Run, y: f64, h: f64) {
    cx.merged_runs.set(cx.merged_runs.get() + 1);
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
