//! Tests of the two exporters on the synthetic trace, with parsers we did not write:
//! the Chrome JSON must parse (serde_json) and balance its B/E pairs per thread; the SVG
//! must be well-formed XML (roxmltree) with one row group per lane.
//!
//! Under Miri the big ones are skipped: they run only safe formatting and parsing code
//! (no `unsafe` of this crate runs under Miri at all: `cpu.rs` and the TSC read in
//! `clock.rs` are compiled out there) and take many minutes in the interpreter.

use std::collections::HashMap;

use serde_json::Value;

use crate::synthetic::sample;
use crate::{Event, EventKind, LaneKind, LaneTrace, Recorder, Trace};

/// Polls per worker in the sample: small under Miri, which runs ~1000x slower.
const POLLS: usize = if cfg!(miri) { 16 } else { 300 };

fn chrome(trace: &Trace) -> Vec<Value> {
    let mut out = Vec::new();
    trace.write_chrome_json(&mut out).unwrap();
    let doc: Value = serde_json::from_slice(&out).expect("the Chrome trace is valid JSON");
    doc["traceEvents"]
        .as_array()
        .expect("traceEvents is an array")
        .clone()
}

/// Checks B/E balance and nesting per (pid, tid), and that timestamps never go back
/// within a tid; returns the number of B/E pairs.
fn assert_balanced(events: &[Value]) -> usize {
    let mut stacks: HashMap<(u64, u64), Vec<f64>> = HashMap::new();
    let mut pairs = 0;
    for e in events {
        let ph = e["ph"].as_str().unwrap();
        if ph != "B" && ph != "E" {
            continue;
        }
        let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        let ts = e["ts"].as_f64().unwrap();
        let stack = stacks.entry(key).or_default();
        if ph == "B" {
            stack.push(ts);
        } else {
            let begin = stack
                .pop()
                .unwrap_or_else(|| panic!("E without B on {key:?} at {ts}"));
            assert!(begin <= ts, "slice ends before it begins");
            pairs += 1;
        }
    }
    for (key, stack) in stacks {
        assert!(stack.is_empty(), "{} B without E on {key:?}", stack.len());
    }
    pairs
}

#[test]
#[cfg_attr(
    miri,
    ignore = "safe formatting and parsing only, many minutes under Miri"
)]
fn chrome_json_parses_balances_and_names_things() {
    let trace = sample(POLLS);
    let events = chrome(&trace);
    let pairs = assert_balanced(&events);
    // Every poll, job and park of the sample is a pair (the cut poll included).
    let starts = trace
        .lanes
        .iter()
        .flat_map(|l| &l.events)
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::PollStart { .. } | EventKind::JobStart { .. } | EventKind::Park
            )
        })
        .count();
    assert_eq!(pairs, starts);
    let named = |name: &str| events.iter().filter(|e| e["name"] == name).count();
    assert_eq!(
        named("accept <loop> & \"friends\""),
        trace_polls_of(&trace, 5)
    ); // the B events
    assert!(named("steal") > 0 && named("wake") > 0 && named("parked") > 0);
    let thread_names: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        thread_names,
        [
            "other threads",
            "worker 0",
            "worker 1",
            "block_on 0",
            "pool 0",
            "pool 1"
        ]
    );
    let pool_pid: Vec<u64> = events
        .iter()
        .filter(|e| e["cat"] == "job")
        .map(|e| e["pid"].as_u64().unwrap())
        .collect();
    assert!(!pool_pid.is_empty() && pool_pid.iter().all(|&p| p == 2));
    let poll = events
        .iter()
        .find(|e| e["ph"] == "B" && e["cat"] == "poll")
        .unwrap();
    assert!(poll["args"]["task"].is_u64() && poll["args"]["cpu"].is_u64());
    let steal = events.iter().find(|e| e["name"] == "steal").unwrap();
    assert_eq!(
        (steal["ph"].as_str(), steal["s"].as_str()),
        (Some("i"), Some("t"))
    );
    assert!(steal["args"]["victim"].is_u64() && steal["args"]["count"].is_u64());
    // Flow arrows: each "s" has an "f" with the same id, not earlier.
    let flows: HashMap<u64, f64> = events
        .iter()
        .filter(|e| e["ph"] == "s")
        .map(|e| (e["id"].as_u64().unwrap(), e["ts"].as_f64().unwrap()))
        .collect();
    assert!(!flows.is_empty());
    for f in events.iter().filter(|e| e["ph"] == "f") {
        assert!(flows[&f["id"].as_u64().unwrap()] <= f["ts"].as_f64().unwrap());
    }
}

fn trace_polls_of(trace: &Trace, task: u64) -> usize {
    trace
        .lanes
        .iter()
        .flat_map(|l| &l.events)
        .filter(|e| matches!(e.kind, EventKind::PollStart { task: t, .. } if t == task))
        .count()
}

#[test]
fn chrome_json_closes_a_poll_cut_in_half_and_drops_an_orphan_end() {
    // A real recorder, snapshotted in the middle of a poll.
    let recorder = Recorder::new();
    let lane = recorder.lane(LaneKind::Worker, 0);
    lane.record(EventKind::PollEnd {
        task: 9,
        ready: true,
    }); // its start was never seen
    lane.record(EventKind::PollStart { task: 1, cpu: 0 });
    lane.record(EventKind::Wake { task: 2 });
    lane.flush();
    let events = chrome(&recorder.snapshot());
    assert_eq!(assert_balanced(&events), 1);
    let end = events.iter().find(|e| e["ph"] == "E").unwrap();
    assert_eq!(end["args"]["cut"], true);
    let wake = events
        .iter()
        .find(|e| e["name"] == "wake" && e["ph"] == "i")
        .unwrap();
    assert_eq!(end["ts"], wake["ts"], "closed at the lane's last timestamp");
}

#[test]
fn chrome_timestamps_are_microseconds_with_a_fraction() {
    let trace = Trace {
        lanes: vec![LaneTrace {
            kind: LaneKind::BlockOn,
            index: 0,
            events: vec![Event {
                t_ns: 12_345,
                kind: EventKind::IoEvents { count: 3 },
            }],
        }],
        ..Trace::default()
    };
    let mut out = Vec::new();
    trace.write_chrome_json(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("\"ts\":12.345,"), "{text}");
    assert!(
        chrome(&trace)
            .iter()
            .any(|e| e["name"] == "io events" && e["args"]["count"] == 3)
    );
}

#[test]
fn json_escape_covers_quotes_backslashes_and_controls() {
    assert_eq!(
        crate::chrome::escape("a\"b\\c\nd\u{1}é"),
        "a\\\"b\\\\c\\nd\\u0001é"
    );
}

fn svg(trace: &Trace) -> String {
    let mut out = Vec::new();
    trace.write_svg(&mut out).unwrap();
    String::from_utf8(out).expect("the SVG is UTF-8")
}

#[test]
#[cfg_attr(
    miri,
    ignore = "safe formatting and parsing only, many minutes under Miri"
)]
fn svg_is_well_formed_with_one_group_per_lane_and_tooltips() {
    let trace = sample(POLLS);
    let text = svg(&trace);
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("1200"));
    let rows: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("lane"))
        .map(|n| n.attribute("data-lane").unwrap())
        .collect();
    assert_eq!(
        rows,
        [
            "worker 0",
            "worker 1",
            "block_on 0",
            "pool 0",
            "pool 1",
            "other threads"
        ]
    );
    let titles: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("title"))
        .map(|n| n.text().unwrap_or("").to_string())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("accept <loop> & \"friends\" (task 5)\npoll of"))
    );
    assert!(titles.iter().any(|t| t.contains("on cpu 1")));
    assert!(titles.iter().any(|t| t.starts_with("job ")));
    assert!(titles.iter().any(|t| t.starts_with("parked ")));
    assert!(titles.iter().any(|t| t.contains("(end not recorded)")));
    assert!(titles.iter().any(|t| t.starts_with("stole ")));
    assert!(text.contains("busiest tasks") && text.contains("cpus 0,1 · busy "));
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("worker 1: ") && t.contains(" polls\nbusy "))
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("pool 0: ") && t.contains(" jobs\nbusy "))
    );
    assert!(
        !text.contains("http") || text.matches("http").count() == 1,
        "only the xmlns"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a size check of safe formatting code, minutes under Miri"
)]
fn svg_of_a_big_trace_stays_small() {
    let small = svg(&sample(POLLS)).len();
    let trace = sample(100_000);
    let text = svg(&trace);
    roxmltree::Document::parse(&text).expect("well-formed");
    let events: usize = trace.lanes.iter().map(|l| l.events.len()).sum();
    assert!(
        text.len() < 3_000_000,
        "{} bytes for {events} events",
        text.len()
    );
    assert!(text.contains("slices merged"));
    assert!(small < text.len());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "safe formatting and parsing only, many minutes under Miri"
)]
fn svg_legend_explains_only_what_is_there() {
    let full = svg(&sample(POLLS));
    for item in [
        "pool job",
        "parked (thread asleep)",
        "steal",
        "notify",
        "I/O events",
        "timers fired",
        "spawn",
        "cpu 1",
    ] {
        assert!(full.contains(&format!(">{item}")), "{item} missing");
    }
    let dense = svg(&crate::synthetic::dense(if cfg!(miri) {
        300
    } else {
        20_000
    }));
    roxmltree::Document::parse(&dense).unwrap();
    assert!(dense.contains(">short slices merged") && dense.contains(">steal"));
    for item in ["pool job", "notify", "I/O events", "timers fired", "spawn"] {
        assert!(
            !dense.contains(&format!(">{item}")),
            "{item} shown but absent"
        );
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "safe formatting and parsing only, many minutes under Miri"
)]
fn empty_trace_exports_valid_files() {
    let trace = Recorder::new().snapshot();
    assert_eq!(assert_balanced(&chrome(&trace)), 0);
    let text = svg(&trace);
    roxmltree::Document::parse(&text).unwrap();
    assert!(text.contains("no events recorded"));
}

/// Writes the sample to target/trace-sample.svg (and .json) to look at:
/// `cargo test -p spindle-trace render_sample -- --ignored`.
#[test]
#[ignore = "writes files for a human to look at"]
fn render_sample() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    sample(300).save(dir.join("trace-sample.svg")).unwrap();
    crate::synthetic::dense(100_000)
        .save(dir.join("trace-sample-dense.svg"))
        .unwrap();
    sample(100_000)
        .save(dir.join("trace-sample-big.svg"))
        .unwrap();
}
