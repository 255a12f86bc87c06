//! # spindle-trace — what ran where, and when
//!
//! Records what spindle's runtime workers and pool threads do (task polls, pool jobs,
//! steals, parks, wakes, I/O and timer events) with a timestamp each, and turns a
//! recording into two pictures of the same run:
//!
//! * a **Chrome Trace Event** JSON file ([`Trace::write_chrome_json`]) to open in
//!   Perfetto (<https://ui.perfetto.dev>) or `chrome://tracing` and zoom into, and
//! * a self-contained **SVG timeline** ([`Trace::write_svg`]) that any browser or
//!   README shows: one row per thread, one coloured bar per poll or job.
//!
//! ```
//! use spindle_trace::{EventKind, LaneKind, Recorder};
//!
//! let recorder = Recorder::new();
//! let lane = recorder.lane(LaneKind::Worker, 0);        // on the worker's own thread
//! lane.record(EventKind::PollStart { task: 1, cpu: 0 });
//! lane.record(EventKind::PollEnd { task: 1, ready: true });
//! lane.flush();
//! let trace = recorder.snapshot();
//! assert_eq!(trace.task_stats()[0].polls, 1);
//! let mut json = Vec::new();
//! trace.write_chrome_json(&mut json)?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Why a crate of its own
//!
//! The pool (`spindle-pool`) must not depend on the async runtime (`spindle`), yet the
//! runtime runs its `spawn_blocking` work on a pool, and one picture should show both:
//! a worker that hands a job to the pool, the pool thread that runs it, the worker that
//! is woken when it is done. So both crates depend on this one, share one [`Recorder`]
//! (one clock epoch, one list of lanes) and save one trace. `spindle` re-exports it as
//! `spindle::trace`, the pool as `spindle_pool::trace`.
//!
//! ## How recording works (and what it costs)
//!
//! A poll records two events, and a poll of a task that just yields costs ~35 ns here,
//! so recording must cost a few nanoseconds or the trace would show a different program.
//! The design follows the usual per-thread-buffer tracers (the Linux kernel's per-CPU
//! ftrace ring buffers with their packed binary records, Chrome's `TraceLog` with its
//! thread-local event buffers):
//!
//! 1. every thread that records owns a [`Lane`]: a `Vec` only that thread touches
//!    (`Lane` is `Send` but not `Sync`), so [`Lane::record`] is one clock read and one
//!    push, with no atomic instruction and no lock (`lane.rs`);
//! 2. the clock read is the CPU's time-stamp counter where the kernel trusts it (~13 ns
//!    here against ~25 ns for `Instant::now()`), converted to nanoseconds only by the
//!    snapshot (`clock.rs`), and the event is packed into 16 bytes (`encoding.rs`),
//!    because writing fresh memory (page faults, zeroing) costs as much as the clock;
//! 3. when the buffer holds [`CHUNK`] slots it is handed, whole, to the lane's own
//!    mutex-guarded list of chunks, which only a snapshot also locks (so the lock is
//!    uncontended and taken about once per 4,096 events);
//! 4. [`Recorder::snapshot`] decodes every lane's chunks (not the half-filled buffers a
//!    thread still owns: call [`Lane::flush`] or drop the lane first) into a [`Trace`].
//!
//! Measured with `cargo test --release -p spindle-trace record_cost -- --ignored
//! --nocapture` (numbers in that test's comment): a record costs ~14 ns, of which the
//! clock read is ~12.6, so a traced poll costs ~30 ns more than an untraced one. On a
//! 35 ns poll that is about double; only a cheaper clock could do much better.
//!
//! Threads without a lane (a waker called from a foreign thread, a spawn from outside the
//! runtime) use [`Recorder::record_shared`], one mutex for all of them: rare by design.
//!
//! ## Memory
//!
//! 16 bytes per event, two events per poll: a million polls take 32 MB. A lane keeps at
//! most [`DEFAULT_MAX_EVENTS_PER_LANE`] slots (64 MiB; change it with
//! [`Recorder::with_max_events_per_lane`]) and past that forgets its *oldest* chunks, like
//! a flight recorder: a server traced for hours keeps its last minutes.
//! [`Recorder::dropped_events`] says how many were forgotten. Emptied chunk buffers are
//! kept (up to 16 MiB, process-wide) for the next lanes, so a program that builds runtime
//! after runtime does not page-fault its way through fresh memory each time.
//!
//! ## From events to pictures
//!
//! Events are instants; the pictures need intervals. `slices.rs` pairs each lane's
//! starts and ends (PollStart/PollEnd, JobStart/JobEnd, Park/Unpark) with a stack, so a
//! job that runs another job inside `join` nests, an end without a start (cut off by
//! where the recording began) is dropped and a start without an end (cut off by the
//! snapshot) is closed at the lane's last timestamp. Both exporters and
//! [`Trace::task_stats`] read those slices, so they always agree.
//!
//! ## Modules
//!
//! | file | role |
//! |---|---|
//! | `event.rs` | [`EventKind`] and [`Event`]: what one record holds |
//! | `clock.rs` | the session's epoch; TSC ticks, calibrated to nanoseconds |
//! | `encoding.rs` | how a lane packs an event into 16 bytes |
//! | `cpu.rs` | [`current_cpu`]: `sched_getcpu()` |
//! | `lane.rs` | [`Lane`]: a thread's own buffer, handed over in chunks |
//! | `chunk_pool.rs` | spare chunk buffers reused across sessions (no page faults) |
//! | `recorder.rs` | [`Recorder`]: the session, its lanes, shared events, task names |
//! | `trace.rs` | [`Trace`]: a snapshot, and [`Trace::save`] |
//! | `slices.rs` | pairing starts and ends into slices, per lane |
//! | `task_stats.rs` | [`TaskStats`]: polls and poll time per task |
//! | `chrome.rs` | the Chrome Trace Event JSON writer |
//! | `svg.rs`, `svg_lane.rs`, `svg_marks.rs` | the SVG timeline: the document and legend; a row's bars; its marks |
//! | `svg_scale.rs`, `palette.rs` | its time axis; its colours |
//! | `env.rs` | `SPINDLE_TRACE` and numbered file names |
//! | `synthetic.rs`, `export_tests.rs` | tests only: a hand-made trace, the exporters' tests |

mod chrome;
mod chunk_pool;
mod clock;
mod cpu;
mod encoding;
mod env;
mod event;
mod lane;
mod palette;
mod recorder;
mod slices;
mod svg;
mod svg_lane;
mod svg_marks;
mod svg_scale;
mod task_stats;
mod trace;

pub use cpu::current_cpu;
pub use env::{env_path, next_save_path, numbered_path};
pub use event::{Event, EventKind};
pub use lane::{CHUNK, DEFAULT_MAX_EVENTS_PER_LANE, Lane, LaneKind};
pub use recorder::Recorder;
pub use task_stats::TaskStats;
pub use trace::{LaneTrace, Trace};

#[cfg(test)]
mod export_tests;
#[cfg(test)]
mod synthetic;
