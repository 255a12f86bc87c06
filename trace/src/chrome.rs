//! The Chrome Trace Event format writer (JSON for Perfetto and `chrome://tracing`).
//!
//! Format: the "Trace Event Format" document (Google, 2016), the JSON that Chrome's
//! `about:tracing` introduced and Perfetto's importer still reads. One object
//! `{"displayTimeUnit":"ns","traceEvents":[...]}`; each event has a phase `ph`, a
//! process `pid`, a thread `tid` and a timestamp `ts` in microseconds (we write
//! nanosecond precision as a fraction: `12.345`).
//!
//! ## Mapping
//!
//! | spindle | Chrome |
//! |---|---|
//! | runtime lanes (workers, `block_on`) | pid 1 "spindle runtime"; shared events on tid 0 "other threads" |
//! | pool lanes | pid 2 "spindle pool" |
//! | a lane | one tid (its position in the trace, from 1), `thread_name` "worker 0" |
//! | a poll | `B`/`E` named by the task's name or "task 5", args `{task, cpu}`, `ready` on the `E` |
//! | a pool job | `B`/`E` "job 7", args `{job, cpu}` |
//! | park ... unpark | `B`/`E` "parked" |
//! | spawn, wake, steal, notify, I/O, timers | instant events `"ph":"i","s":"t"` with args |
//! | a wake and the next poll of that task | a flow arrow (`s` on the waker, `f` on the poll) |
//!
//! B/E pairs come from `slices.rs`, so they balance and nest per tid even when the
//! snapshot cut a poll in half. The JSON is written by hand (no serde in the library):
//! strings go through [`escape`], numbers are integers or the fixed `µs.nnn` form.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};

use crate::event::{Event, EventKind};
use crate::lane::LaneKind;
use crate::slices::{SliceKind, Step, walk};
use crate::trace::Trace;

const RUNTIME_PID: u32 = 1;
const POOL_PID: u32 = 2;
/// The tid of the shared events (threads without a lane).
const SHARED_TID: usize = 0;

/// Writes `trace` as Chrome Trace Event JSON.
pub(crate) fn write<W: io::Write>(trace: &Trace, w: W) -> io::Result<()> {
    let mut out = Writer {
        w: BufWriter::new(w),
        first: true,
    };
    out.w
        .write_all(b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n")?;
    out.metadata(RUNTIME_PID, None, "process_name", "spindle runtime")?;
    out.metadata(POOL_PID, None, "process_name", "spindle pool")?;
    out.metadata(RUNTIME_PID, None, "process_sort_index", "1")?;
    out.metadata(POOL_PID, None, "process_sort_index", "2")?;
    if !trace.shared.is_empty() {
        out.metadata(
            RUNTIME_PID,
            Some(SHARED_TID),
            "thread_name",
            "other threads",
        )?;
    }
    let polls = poll_starts(trace);
    let mut flow_id = 0u64;
    for (i, lane) in trace.lanes.iter().enumerate() {
        let tid = i + 1;
        let pid = pid_of(lane.kind);
        out.metadata(pid, Some(tid), "thread_name", &lane.label())?;
        out.metadata(pid, Some(tid), "thread_sort_index", &tid.to_string())?;
        let mut result = Ok(());
        walk(&lane.events, |step| {
            if result.is_ok() {
                result = out.step(trace, pid, tid, step, &polls, &mut flow_id);
            }
        });
        result?;
    }
    for event in &trace.shared {
        out.instant(RUNTIME_PID, SHARED_TID, event, &polls, &mut flow_id)?;
    }
    out.w.write_all(b"\n]}\n")?;
    out.w.flush()
}

fn pid_of(kind: LaneKind) -> u32 {
    match kind {
        LaneKind::Worker | LaneKind::BlockOn => RUNTIME_PID,
        LaneKind::PoolThread => POOL_PID,
    }
}

/// Per task, the (time, pid, tid) of every poll start, in time order: where a wake's
/// flow arrow ends.
type PollStarts = HashMap<u64, Vec<(u64, u32, usize)>>;

fn poll_starts(trace: &Trace) -> PollStarts {
    let mut starts: PollStarts = HashMap::new();
    for (i, lane) in trace.lanes.iter().enumerate() {
        for e in &lane.events {
            if let EventKind::PollStart { task, .. } = e.kind {
                starts
                    .entry(task)
                    .or_default()
                    .push((e.t_ns, pid_of(lane.kind), i + 1));
            }
        }
    }
    for list in starts.values_mut() {
        list.sort_unstable();
    }
    starts
}

struct Writer<W: io::Write> {
    w: BufWriter<W>,
    first: bool,
}

impl<W: io::Write> Writer<W> {
    /// Starts a new array element: the separator, then `{`.
    fn open(&mut self) -> io::Result<()> {
        if !self.first {
            self.w.write_all(b",\n")?;
        }
        self.first = false;
        self.w.write_all(b"{")
    }

    fn metadata(
        &mut self,
        pid: u32,
        tid: Option<usize>,
        name: &str,
        value: &str,
    ) -> io::Result<()> {
        self.open()?;
        write!(self.w, "\"ph\":\"M\",\"pid\":{pid},")?;
        if let Some(tid) = tid {
            write!(self.w, "\"tid\":{tid},")?;
        }
        write!(self.w, "\"name\":\"{name}\",\"args\":{{")?;
        match name {
            "process_sort_index" | "thread_sort_index" => {
                let index = if value.is_empty() { "0" } else { value };
                write!(self.w, "\"sort_index\":{index}}}}}")
            }
            _ => write!(self.w, "\"name\":\"{}\"}}}}", escape(value)),
        }
    }

    fn step(
        &mut self,
        trace: &Trace,
        pid: u32,
        tid: usize,
        step: Step<'_>,
        polls: &PollStarts,
        flow_id: &mut u64,
    ) -> io::Result<()> {
        match step {
            Step::Begin { t, kind, .. } => {
                self.open()?;
                write!(
                    self.w,
                    "\"ph\":\"B\",\"pid\":{pid},\"tid\":{tid},\"ts\":{},",
                    Micros(t)
                )?;
                match kind {
                    SliceKind::Poll { task, cpu } => {
                        let name = match trace.task_names.get(&task) {
                            Some(name) => escape(name),
                            None => format!("task {task}"),
                        };
                        write!(
                            self.w,
                            "\"cat\":\"poll\",\"name\":\"{name}\",\"args\":{{\"task\":{task}"
                        )?;
                        cpu_arg(&mut self.w, cpu)?;
                    }
                    SliceKind::Job { job, cpu } => {
                        write!(
                            self.w,
                            "\"cat\":\"job\",\"name\":\"job {job}\",\"args\":{{\"job\":{job}"
                        )?;
                        cpu_arg(&mut self.w, cpu)?;
                    }
                    SliceKind::Parked => {
                        write!(self.w, "\"cat\":\"park\",\"name\":\"parked\",\"args\":{{")?
                    }
                }
                self.w.write_all(b"}}")
            }
            Step::End {
                end,
                complete,
                ready,
                ..
            } => {
                self.open()?;
                write!(
                    self.w,
                    "\"ph\":\"E\",\"pid\":{pid},\"tid\":{tid},\"ts\":{},\"args\":{{",
                    Micros(end)
                )?;
                if let Some(ready) = ready {
                    write!(self.w, "\"ready\":{ready}")?;
                } else if !complete {
                    self.w.write_all(b"\"cut\":true")?;
                }
                self.w.write_all(b"}}")
            }
            Step::Instant(event) => self.instant(pid, tid, event, polls, flow_id),
        }
    }

    fn instant(
        &mut self,
        pid: u32,
        tid: usize,
        event: &Event,
        polls: &PollStarts,
        flow_id: &mut u64,
    ) -> io::Result<()> {
        let (name, cat) = match event.kind {
            EventKind::Spawn { .. } => ("spawn", "task"),
            EventKind::Wake { .. } => ("wake", "task"),
            EventKind::Steal { .. } => ("steal", "sched"),
            EventKind::Notify { .. } => ("notify", "sched"),
            EventKind::IoEvents { .. } => ("io events", "driver"),
            EventKind::TimersFired { .. } => ("timers fired", "driver"),
            // Starts and ends are turned into slices by `walk`; only the shared list
            // (threads without a lane) could hold one, and there it has no slice to be
            // part of: show it as what it is.
            EventKind::PollStart { .. } => ("poll start", "poll"),
            EventKind::PollEnd { .. } => ("poll end", "poll"),
            EventKind::JobStart { .. } => ("job start", "job"),
            EventKind::JobEnd { .. } => ("job end", "job"),
            EventKind::Park => ("park", "park"),
            EventKind::Unpark => ("unpark", "park"),
        };
        let ts = Micros(event.t_ns);
        self.open()?;
        write!(
            self.w,
            "\"ph\":\"i\",\"s\":\"t\",\"pid\":{pid},\"tid\":{tid},\"ts\":{ts},\"cat\":\"{cat}\",\"name\":\"{name}\",\"args\":{{"
        )?;
        match event.kind {
            EventKind::Spawn { task, parent } => {
                write!(self.w, "\"task\":{task}")?;
                if let Some(parent) = parent {
                    write!(self.w, ",\"parent\":{parent}")?;
                }
            }
            EventKind::Wake { task } | EventKind::PollEnd { task, .. } => {
                write!(self.w, "\"task\":{task}")?
            }
            EventKind::PollStart { task, cpu } => {
                write!(self.w, "\"task\":{task}")?;
                cpu_arg(&mut self.w, cpu)?;
            }
            EventKind::Steal { victim, count } => {
                write!(self.w, "\"victim\":{victim},\"count\":{count}")?
            }
            EventKind::Notify { target } => write!(self.w, "\"target\":{target}")?,
            EventKind::IoEvents { count } | EventKind::TimersFired { count } => {
                write!(self.w, "\"count\":{count}")?
            }
            EventKind::JobStart { job, cpu } => {
                write!(self.w, "\"job\":{job}")?;
                cpu_arg(&mut self.w, cpu)?;
            }
            EventKind::JobEnd { job } => write!(self.w, "\"job\":{job}")?,
            EventKind::Park | EventKind::Unpark => {}
        }
        self.w.write_all(b"}}")?;
        if let EventKind::Wake { task } = event.kind {
            self.flow(pid, tid, event.t_ns, task, polls, flow_id)?;
        }
        Ok(())
    }

    /// A flow arrow from a wake to the first poll of `task` that starts at or after it.
    fn flow(
        &mut self,
        pid: u32,
        tid: usize,
        t: u64,
        task: u64,
        polls: &PollStarts,
        flow_id: &mut u64,
    ) -> io::Result<()> {
        let Some(starts) = polls.get(&task) else {
            return Ok(());
        };
        let next = starts.partition_point(|&(start, _, _)| start < t);
        let Some(&(start, to_pid, to_tid)) = starts.get(next) else {
            return Ok(());
        };
        *flow_id += 1;
        let id = *flow_id;
        self.open()?;
        write!(
            self.w,
            "\"ph\":\"s\",\"pid\":{pid},\"tid\":{tid},\"ts\":{},\"cat\":\"wake\",\"name\":\"wake\",\"id\":{id}}}",
            Micros(t)
        )?;
        self.open()?;
        write!(
            self.w,
            "\"ph\":\"f\",\"bp\":\"e\",\"pid\":{to_pid},\"tid\":{to_tid},\"ts\":{},\"cat\":\"wake\",\"name\":\"wake\",\"id\":{id}}}",
            Micros(start)
        )
    }
}

/// `,"cpu":N` unless the cpu is unknown (`u32::MAX`).
fn cpu_arg(w: &mut impl Write, cpu: u32) -> io::Result<()> {
    if cpu == u32::MAX {
        Ok(())
    } else {
        write!(w, ",\"cpu\":{cpu}")
    }
}

/// Nanoseconds shown as microseconds with three decimals: 12345 ns -> `12.345`.
struct Micros(u64);

impl std::fmt::Display for Micros {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

/// `s` as the inside of a JSON string: quotes, backslashes and control characters
/// escaped (RFC 8259, section 7); everything else, including non-ASCII, as UTF-8.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
