//! The SVG timeline: one row per lane, time running left to right.
//!
//! ## What it shows
//!
//! * a title line (lanes, time span, polls, tasks, jobs) and a time axis with round
//!   ticks (`svg_scale.rs`) and faint grid lines through every row;
//! * one row per lane, grouped as in the trace (workers, `block_on`, then pool threads,
//!   with a gap between the runtime and the pool), labelled "worker 0" with the cores it
//!   ran on ("cpus 0,1") underneath; rows alternate a faint background;
//! * in each row (`svg_lane.rs`): poll bars in their task's colour, job bars in their
//!   job's colour, parked spans hatched grey, the core strip, and marks for steals,
//!   notifies, I/O, timers, wakes and spawns; every bar and mark has a `<title>` tooltip;
//! * a row "other threads" for events recorded without a lane, if any;
//! * a legend: the tasks with the most poll time (colour, name, time, polls), the bar
//!   kinds, the mark shapes and the core colours.
//!
//! The file is self-contained: no external CSS, script or font (the generic
//! `sans-serif` family), so it renders the same in a browser, in a README and in
//! `rsvg-convert`. The picture is [`WIDTH`] pixels wide; its height grows with the lanes.
//! Its size is bounded per row by merging and capping (see `svg_lane.rs`), not by the
//! number of events.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io;

use crate::lane::LaneKind;
use crate::palette::{cpu_colour, job_colour, task_colour};
use crate::svg_lane::{LaneSummary, MIXED_FILL, ROW_H, RowContext, draw_lane, draw_shared, xml};
use crate::svg_marks::{MARK_NAMES, mark_kind, mark_shape};
use crate::svg_scale::{Scale, human_duration};
use crate::trace::Trace;

/// Width of the picture, in pixels.
pub(crate) const WIDTH: f64 = 1200.0;
/// Width of the label column left of the rows.
const LABEL_W: f64 = 110.0;
const RIGHT_MARGIN: f64 = 24.0;
/// Title line and axis labels above the first row.
const TOP: f64 = 52.0;
const ROW_GAP: f64 = 4.0;
/// Extra space between the runtime's rows and the pool's.
const GROUP_GAP: f64 = 14.0;
/// Tasks listed in the legend.
const LEGEND_TASKS: usize = 8;

/// Writes `trace` as an SVG timeline.
pub(crate) fn write<W: io::Write>(trace: &Trace, mut w: W) -> io::Result<()> {
    let first = trace
        .lanes
        .iter()
        .filter_map(|l| l.events.first())
        .chain(trace.shared.first())
        .map(|e| e.t_ns)
        .min();
    let t0 = first.unwrap_or(0);
    let span = trace.end_ns().saturating_sub(t0).max(1);
    let scale = Scale {
        x0: LABEL_W,
        width: WIDTH - LABEL_W - RIGHT_MARGIN,
        span_ns: span,
    };

    // Row positions first: the grid lines need the height of all rows.
    let mut rows: Vec<(f64, Option<usize>)> = Vec::new(); // (top, lane index or shared)
    let mut y = TOP;
    let mut previous: Option<LaneKind> = None;
    for (i, lane) in trace.lanes.iter().enumerate() {
        if previous.is_some_and(|p| is_pool(p) != is_pool(lane.kind)) {
            y += GROUP_GAP;
        }
        previous = Some(lane.kind);
        rows.push((y, Some(i)));
        y += ROW_H + ROW_GAP;
    }
    if !trace.shared.is_empty() {
        y += GROUP_GAP;
        rows.push((y, None));
        y += ROW_H + ROW_GAP;
    }
    let rows_bottom = y;

    let mut body = String::new();
    let _ = writeln!(body, "<g class=\"axis\" font-size=\"10\" fill=\"#555555\">");
    for (t, label) in scale.ticks(10) {
        let x = scale.x(t);
        let _ = writeln!(
            body,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{rows_bottom:.1}\" stroke=\"#e2e2e2\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            TOP - 10.0,
            TOP - 13.0,
            xml(&label)
        );
    }
    let _ = writeln!(body, "</g>");

    let mut seen = Seen::default();
    seen.add_marks(
        trace
            .lanes
            .iter()
            .flat_map(|l| &l.events)
            .chain(&trace.shared),
    );
    for (n, &(top, lane)) in rows.iter().enumerate() {
        let (kind, label) = match lane {
            Some(i) => (trace.lanes[i].kind, trace.lanes[i].label()),
            None => (LaneKind::Worker, "other threads".to_string()),
        };
        let _ = writeln!(body, "<g class=\"lane\" data-lane=\"{}\">", xml(&label));
        if n % 2 == 0 {
            let _ = writeln!(
                body,
                "<rect x=\"0\" y=\"{:.1}\" width=\"{WIDTH}\" height=\"{:.1}\" fill=\"#f4f6f8\"/>",
                top - ROW_GAP / 2.0,
                ROW_H + ROW_GAP
            );
        }
        let cx = RowContext {
            trace,
            scale,
            t0,
            y: top,
            kind,
            merged_runs: Cell::new(0),
        };
        let summary = match lane {
            Some(i) => Some(draw_lane(&mut body, &cx, &trace.lanes[i].events)),
            None => {
                draw_shared(&mut body, &cx, &trace.shared);
                None
            }
        };
        let (tooltip, detail) = match &summary {
            Some(s) => lane_texts(&label, s, span),
            None => (
                format!("{label}: events recorded by threads without a lane"),
                String::new(),
            ),
        };
        let _ = writeln!(
            body,
            "<text x=\"8\" y=\"{:.1}\" font-size=\"12\" font-weight=\"bold\" fill=\"#222222\"><title>{}</title>{}</text>",
            top + 20.0,
            xml(&tooltip),
            xml(&label)
        );
        if !detail.is_empty() {
            let _ = writeln!(
                body,
                "<text x=\"8\" y=\"{:.1}\" font-size=\"9\" fill=\"#666666\">{}</text>",
                top + 31.0,
                xml(&detail)
            );
        }
        let _ = writeln!(body, "</g>");
        if let Some(s) = summary {
            seen.add(s);
        }
    }

    let legend_top = rows_bottom + 14.0;
    let legend_bottom = legend(&mut body, trace, &seen, legend_top);
    let height = legend_bottom + 10.0;

    let mut head = String::new();
    let _ = writeln!(
        head,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" viewBox=\"0 0 {WIDTH} {height:.0}\" font-family=\"sans-serif\">"
    );
    let _ = writeln!(
        head,
        "<defs><pattern id=\"parked\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"5\" height=\"5\" fill=\"#ececec\"/><rect width=\"1.6\" height=\"5\" fill=\"#b8b8b8\"/></pattern></defs>"
    );
    let _ = writeln!(
        head,
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        head,
        "<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#222222\">{}</text>",
        xml(&summary(trace, span))
    );
    if first.is_none() {
        let _ = writeln!(
            head,
            "<text x=\"{LABEL_W}\" y=\"{:.0}\" font-size=\"12\" fill=\"#777777\">no events recorded</text>",
            TOP + 14.0
        );
    }
    w.write_all(head.as_bytes())?;
    w.write_all(body.as_bytes())?;
    w.write_all(b"</svg>\n")?;
    w.flush()
}

#[cfg(test)]
#[test]
fn thousands_separators() {
    assert_eq!(grouped(0), "0");
    assert_eq!(grouped(999), "999");
    assert_eq!(grouped(1000), "1,000");
    assert_eq!(grouped(1_234_567), "1,234,567");
}

/// A lane label's tooltip ("worker 0: 1,234 polls, busy 81% ...") and its second line
/// ("cpus 0,1 · busy 81%").
fn lane_texts(label: &str, s: &LaneSummary, span: u64) -> (String, String) {
    let percent = |ns: u64| ns as f64 * 100.0 / span as f64;
    let cpus: Vec<String> = s.cpus.iter().map(u32::to_string).collect();
    let cpus = match (cpus.is_empty(), s.polls + s.jobs) {
        (false, _) => format!("cpus {}", cpus.join(",")),
        (true, 0) => "no polls".to_string(),
        (true, _) => "cpu unknown".to_string(),
    };
    let work = match (s.polls, s.jobs) {
        (p, 0) => format!("{} polls", grouped(p)),
        (0, j) => format!("{} jobs", grouped(j)),
        (p, j) => format!("{} polls, {} jobs", grouped(p), grouped(j)),
    };
    let tooltip = format!(
        "{label}: {work}\nbusy {} ({:.0}%), parked {} ({:.0}%)\n{} steals, {} wakes sent\n{cpus}",
        human_duration(s.busy_ns),
        percent(s.busy_ns),
        human_duration(s.parked_ns),
        percent(s.parked_ns),
        grouped(s.steals),
        grouped(s.wakes),
    );
    let detail = format!("{cpus} · busy {:.0}%", percent(s.busy_ns));
    (tooltip, detail)
}

fn is_pool(kind: LaneKind) -> bool {
    kind == LaneKind::PoolThread
}

/// "spindle: 2 workers, 1 block_on, 2 pool threads · 1.23 ms · 4,000 polls of 200 tasks · 10 jobs".
fn summary(trace: &Trace, span: u64) -> String {
    let count = |k: LaneKind| trace.lanes.iter().filter(|l| l.kind == k).count();
    let mut parts = Vec::new();
    for (k, one, many) in [
        (LaneKind::Worker, "worker", "workers"),
        (LaneKind::BlockOn, "block_on thread", "block_on threads"),
        (LaneKind::PoolThread, "pool thread", "pool threads"),
    ] {
        match count(k) {
            0 => {}
            1 => parts.push(format!("1 {one}")),
            n => parts.push(format!("{n} {many}")),
        }
    }
    let stats = trace.task_stats();
    let polls: u64 = stats.iter().map(|s| s.polls).sum();
    let jobs = trace
        .lanes
        .iter()
        .flat_map(|l| &l.events)
        .filter(|e| matches!(e.kind, crate::EventKind::JobStart { .. }))
        .count();
    format!(
        "spindle trace: {} · {} · {} polls of {} tasks · {} jobs",
        if parts.is_empty() {
            "no lanes".to_string()
        } else {
            parts.join(", ")
        },
        human_duration(span),
        grouped(polls),
        grouped(stats.len() as u64),
        grouped(jobs as u64),
    )
}

/// `n` with thousands separators: 1234567 -> "1,234,567".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Lays out legend items left to right, wrapping at the right margin.
struct Flow<'a> {
    out: &'a mut String,
    x: f64,
    y: f64,
}

impl Flow<'_> {
    /// Starts a new legend line with a heading.
    fn line(&mut self, heading: &str) {
        if self.x > 8.0 {
            self.y += 18.0;
        }
        let _ = writeln!(
            self.out,
            "<text x=\"8\" y=\"{:.1}\" font-size=\"11\" font-weight=\"bold\" fill=\"#333333\">{}</text>",
            self.y + 9.0,
            xml(heading)
        );
        self.x = LABEL_W;
    }

    /// One item: `swatch` (drawn with its top-left at the given x, y, 12 px wide) and text.
    fn item(&mut self, swatch: impl FnOnce(f64, f64) -> String, text: &str) {
        // No font metrics in a self-contained SVG: ~6 px per character at 11 px.
        let width = 18.0 + 6.0 * text.chars().count() as f64 + 16.0;
        if self.x + width > WIDTH - RIGHT_MARGIN && self.x > LABEL_W {
            self.y += 18.0;
            self.x = LABEL_W;
        }
        let _ = writeln!(
            self.out,
            "{}<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#333333\">{}</text>",
            swatch(self.x, self.y),
            self.x + 18.0,
            self.y + 9.5,
            xml(text)
        );
        self.x += width;
    }
}

fn square(fill: &str) -> impl FnOnce(f64, f64) -> String + '_ {
    move |x, y| {
        format!("<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"12\" height=\"11\" fill=\"{fill}\"/>")
    }
}

/// Draws the legend from `top`; returns its bottom.
/// What the picture holds, so the legend explains only that.
#[derive(Default)]
struct Seen {
    cpus: BTreeSet<u32>,
    jobs: bool,
    parked: bool,
    merged: bool,
    marks: [bool; MARK_NAMES.len()],
}

impl Seen {
    fn add(&mut self, s: LaneSummary) {
        self.jobs |= s.jobs > 0;
        self.parked |= s.parked_ns > 0;
        self.merged |= s.merged_runs > 0;
        self.cpus.extend(s.cpus);
    }

    fn add_marks<'a>(&mut self, events: impl Iterator<Item = &'a crate::Event>) {
        for e in events {
            if let Some(k) = mark_kind(&e.kind) {
                self.marks[k] = true;
            }
        }
    }
}

fn legend(out: &mut String, trace: &Trace, seen: &Seen, top: f64) -> f64 {
    let _ = writeln!(out, "<g class=\"legend\">");
    let mut flow = Flow {
        out,
        x: 0.0,
        y: top,
    };
    let stats = trace.task_stats();
    let busiest: Vec<_> = stats
        .iter()
        .filter(|s| s.polls > 0)
        .take(LEGEND_TASKS)
        .collect();
    if !busiest.is_empty() {
        flow.line("busiest tasks");
        for s in &busiest {
            let name = match &s.name {
                Some(name) => format!("{name} (task {})", s.task),
                None => format!("task {}", s.task),
            };
            let polls = if s.polls == 1 { "poll" } else { "polls" };
            let text = format!(
                "{name}: {} in {} {polls}",
                human_duration(s.poll_time.as_nanos() as u64),
                grouped(s.polls)
            );
            flow.item(square(&task_colour(s.task)), &text);
        }
        let others = stats
            .iter()
            .filter(|s| s.polls > 0)
            .count()
            .saturating_sub(busiest.len());
        if others > 0 {
            flow.item(
                |_, _| String::new(),
                &format!("… and {others} more tasks, one colour each"),
            );
        }
    }
    if seen.jobs || seen.parked || seen.merged {
        flow.line("bars");
    }
    if seen.jobs {
        flow.item(
            |x, y| {
                (0..3)
                .map(|j| {
                    format!(
                        "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"4\" height=\"11\" fill=\"{}\"/>",
                        x + 4.0 * j as f64,
                        job_colour(j)
                    )
                })
                .collect()
            },
            "pool job (a colour per job)",
        );
    }
    if seen.parked {
        flow.item(square("url(#parked)"), "parked (thread asleep)");
    }
    if seen.merged {
        flow.item(
            square(MIXED_FILL),
            "short slices merged: colour of the main task, or slate if mixed (fainter = less busy)",
        );
    }
    if seen.marks.contains(&true) {
        flow.line("marks");
    }
    for (k, name) in MARK_NAMES.iter().enumerate() {
        if !seen.marks[k] {
            continue;
        }
        flow.item(
            |x, y| {
                // Shapes are placed relative to a row top; shift so they sit in the line.
                let row_y = if k >= 4 { y - 24.5 } else { y + 1.5 };
                let (open, tag) = mark_shape(k, x + 6.0, row_y);
                format!("{open}</{tag}>")
            },
            name,
        );
    }
    if !seen.cpus.is_empty() {
        flow.line("core strip");
        for &cpu in &seen.cpus {
            flow.item(square(&cpu_colour(cpu)), &format!("cpu {cpu}"));
        }
    }
    flow.y += 22.0;
    let _ = writeln!(
        flow.out,
        "<text x=\"8\" y=\"{:.1}\" font-size=\"10\" fill=\"#777777\">Time runs from the first event. Hover over a bar or a mark for details (task, core, duration); a merged bar says what it holds.</text>",
        flow.y + 9.0
    );
    let bottom = flow.y + 16.0;
    let _ = writeln!(out, "</g>");
    bottom
}
