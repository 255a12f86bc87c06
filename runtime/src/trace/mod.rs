//! Tracing: which task ran on which worker and core, when, and what woke whom.
//!
//! This module *is* the [`spindle_trace`] crate, re-exported (its [`Recorder`], [`Lane`],
//! [`EventKind`], [`Trace`] with its Chrome JSON and SVG exporters, [`TaskStats`]), plus
//! the runtime's glue, which is crate-private:
//! - `session`: one runtime's tracing session (a `Recorder`, where to save the trace,
//!   events from threads without a lane);
//! - `lane_hooks`: what a worker (or the current-thread core) records on its own lane:
//!   poll start/end with the core, spawns, wakes, steals, park/unpark, driver turns.
//!
//! ## Turning it on
//! - `runtime::Builder::trace(true)`: record in memory; read it with
//!   `Runtime::trace_snapshot()`.
//! - `runtime::Builder::trace_to("run.json")`: record, and save `run.json` and `run.svg`
//!   when the runtime is dropped.
//! - `SPINDLE_TRACE=path`: every runtime built while it is set records and saves to `path`
//!   (the 2nd, 3rd... in a process to `path-2`, `path-3`), with no code change.
//!
//! ```
//! use spindle::runtime::Builder;
//! use spindle::trace::{EventKind, LaneKind};
//!
//! let rt = Builder::new_multi_thread().worker_threads(2).trace(true).build().unwrap();
//! rt.block_on(async {
//!     let h = spindle::task::Builder::new().name("fetch").spawn(async { 1 }).unwrap();
//!     h.await.unwrap();
//! });
//! let handle = rt.handle().clone();
//! drop(rt); // the workers flush their lanes as they exit: the trace is complete
//! let trace = handle.trace_snapshot().unwrap();
//! let polls = (trace.lanes.iter())
//!     .filter(|l| l.kind == LaneKind::Worker)
//!     .flat_map(|l| &l.events)
//!     .filter(|e| matches!(e.kind, EventKind::PollStart { .. }))
//!     .count();
//! assert_eq!(polls, 1);
//! let mut json = Vec::new();
//! trace.write_chrome_json(&mut json).unwrap(); // or trace.save("run.json")
//! assert!(String::from_utf8(json).unwrap().contains("\"fetch\""));
//! ```
//!
//! ## What it costs
//! Untraced, each hook is one predictable branch on an `Option` the thread owns (no atomic,
//! no clock read). With the cargo feature `trace` off (it is on by default) the hooks
//! compile to nothing at all, which is what the `trace_cost` bench compares against.
//! Traced, an event is a clock read and a push into a Vec the recording thread owns; a
//! full chunk is handed over under that lane's own lock (`spindle_trace::Lane`).
//!
//! ## Reading the picture
//! One lane per worker (and per blocking-pool thread, and the current-thread runtime's
//! `block_on` thread). A bar is one poll of one task, coloured by task and labelled with
//! its name when it was spawned through `task::Builder::name`; marks show steals (from
//! which lane, how many tasks), wakes, parks, and which worker woke which.

pub(crate) mod lane_hooks;
pub(crate) mod session;
#[cfg(all(test, not(loom), feature = "trace"))]
mod tests;

pub use spindle_trace::*;
