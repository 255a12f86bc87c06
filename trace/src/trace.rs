//! A snapshot of a session ([`Trace`]) and saving it as JSON + SVG.
//!
//! A `Trace` is plain data (public fields), so a test can also build one by hand and a
//! user can filter it before exporting. Invariants the exporters expect, which
//! [`crate::Recorder::snapshot`] guarantees: each lane's events and the shared events are
//! in non-decreasing time order. (A hand-built trace that breaks this still exports
//! without panicking; its pictures are just as wrong as its input.)

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::event::Event;
use crate::lane::LaneKind;
use crate::task_stats::{TaskStats, task_stats};

/// One lane's events, in time order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneTrace {
    /// The kind of thread.
    pub kind: LaneKind,
    /// Its index among lanes of its kind.
    pub index: usize,
    /// Its events, in time order.
    pub events: Vec<Event>,
}

impl LaneTrace {
    /// The lane's label: "worker 0", "block_on 0", "pool 1".
    pub fn label(&self) -> String {
        self.to_string()
    }
}

/// "worker 0", "block_on 0", "pool 1".
impl std::fmt::Display for LaneTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.index)
    }
}

/// A snapshot of a tracing session: lanes ordered by kind then index, events from
/// threads without a lane, and task names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// One entry per lane, ordered by kind, then index.
    pub lanes: Vec<LaneTrace>,
    /// Events from threads without a lane, in time order.
    pub shared: Vec<Event>,
    /// Names of named tasks.
    pub task_names: HashMap<u64, String>,
}

impl Trace {
    /// Writes the trace in the Chrome Trace Event format (JSON), for Perfetto or
    /// `chrome://tracing`. See `chrome.rs` for the mapping.
    pub fn write_chrome_json<W: io::Write>(&self, w: W) -> io::Result<()> {
        crate::chrome::write(self, w)
    }

    /// Writes a self-contained SVG timeline (no external CSS, scripts or fonts). See
    /// `svg.rs` for what it shows.
    pub fn write_svg<W: io::Write>(&self, w: W) -> io::Result<()> {
        crate::svg::write(self, w)
    }

    /// Writes `path` and its sibling: "x.json" -> x.json + x.svg; "x.svg" -> x.svg +
    /// x.json; any other name -> name.json + name.svg.
    pub fn save(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let (json, svg) = save_paths(path.as_ref());
        write_file(&json, |w| self.write_chrome_json(w))?;
        write_file(&svg, |w| self.write_svg(w))
    }

    /// Per task: completed polls and their total time, name if any, longest total first.
    /// Tasks spawned but never polled are listed with zero polls.
    pub fn task_stats(&self) -> Vec<TaskStats> {
        task_stats(self)
    }

    /// The events at or after `from_ns` only (lanes, shared events and names kept):
    /// e.g. `trace.since(trace.end_ns().saturating_sub(1_000_000_000))` is the last
    /// second. A slice that began before `from_ns` loses its start, and the exporters
    /// drop an end without a start (`slices.rs`), so the window shows whole slices only.
    pub fn since(&self, from_ns: u64) -> Trace {
        // Events are in time order (module header): a binary search finds the cut.
        let keep =
            |events: &[Event]| events[events.partition_point(|e| e.t_ns < from_ns)..].to_vec();
        Trace {
            lanes: self
                .lanes
                .iter()
                .map(|l| LaneTrace {
                    kind: l.kind,
                    index: l.index,
                    events: keep(&l.events),
                })
                .collect(),
            shared: keep(&self.shared),
            task_names: self.task_names.clone(),
        }
    }

    /// The time of the last event of any lane (or of the shared list), 0 if none.
    pub fn end_ns(&self) -> u64 {
        self.lanes
            .iter()
            .filter_map(|l| l.events.last())
            .chain(self.shared.last())
            .map(|e| e.t_ns)
            .max()
            .unwrap_or(0)
    }
}

/// The JSON and SVG paths [`Trace::save`] writes for `path`.
fn save_paths(path: &Path) -> (PathBuf, PathBuf) {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("json") => (path.to_path_buf(), path.with_extension("svg")),
        Some("svg") => (path.with_extension("json"), path.to_path_buf()),
        _ => {
            let add = |suffix: &str| {
                let mut s = path.as_os_str().to_owned();
                s.push(suffix);
                PathBuf::from(s)
            };
            (add(".json"), add(".svg"))
        }
    }
}

fn write_file(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let file = File::create(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot create trace file {}: {e}", path.display()),
        )
    })?;
    let mut w = BufWriter::new(file);
    body(&mut w)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_paths_pair_json_and_svg() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(save_paths(&p("a/x.json")), (p("a/x.json"), p("a/x.svg")));
        assert_eq!(save_paths(&p("x.SVG")), (p("x.json"), p("x.SVG")));
        assert_eq!(save_paths(&p("run")), (p("run.json"), p("run.svg")));
        assert_eq!(
            save_paths(&p("run.txt")),
            (p("run.txt.json"), p("run.txt.svg"))
        );
    }

    #[test]
    #[cfg_attr(miri, ignore)] // file system writes are slow and pointless under Miri
    fn save_writes_both_files_and_reports_bad_paths() {
        let dir = std::env::temp_dir().join(format!("spindle-trace-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let trace = Trace::default();
        trace.save(dir.join("t.json")).unwrap();
        assert!(dir.join("t.json").is_file() && dir.join("t.svg").is_file());
        let err = trace.save(dir.join("missing/dir/t.json")).unwrap_err();
        assert!(err.to_string().contains("missing/dir/t.json"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn since_keeps_the_window_on_every_lane() {
        use crate::event::EventKind;
        let at = |t_ns| Event {
            t_ns,
            kind: EventKind::PollEnd {
                task: 1,
                ready: false,
            },
        };
        let lane = |index, times: &[u64]| LaneTrace {
            kind: LaneKind::Worker,
            index,
            events: times.iter().map(|&t| at(t)).collect(),
        };
        let trace = Trace {
            lanes: vec![lane(0, &[1, 5, 9]), lane(1, &[2, 3])],
            shared: vec![at(4), at(6)],
            task_names: HashMap::from([(1, "t".to_string())]),
        };
        let window = trace.since(5);
        assert_eq!(window.lanes[0].events, vec![at(5), at(9)]);
        assert!(window.lanes[1].events.is_empty());
        assert_eq!(window.shared, vec![at(6)]);
        assert_eq!(window.task_names, trace.task_names);
        assert_eq!(trace.since(0), trace);
    }
}
