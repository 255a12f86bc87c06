//! A thread's own event buffer, handed to the recorder in chunks.
//!
//! ## Algorithm
//!
//! A [`Lane`] has two parts:
//!
//! * `buf`: a `RefCell<Vec<Slot>>` with room for [`CHUNK`] slots, touched only by the
//!   thread that owns the lane (`Lane` is `Send`, so it can be created on one thread and
//!   moved to its worker, but not `Sync`, so no two threads share it);
//! * `store`: an `Arc` to the lane's [`LaneStore`], which the [`crate::Recorder`] also
//!   holds: a mutex-guarded queue of handed-over chunks, oldest first.
//!
//! [`Lane::record`] reads the clock (raw ticks, see `clock.rs`), packs the event into
//! one 16-byte slot (two for rare large values, see `encoding.rs`) and pushes. When the
//! push fills the buffer, the full `Vec` is moved (not copied) into the store under the
//! mutex, and a fresh one takes its place (from the process-wide spare buffers of
//! `chunk_pool.rs` when there are some, so it is memory already mapped). [`Lane::flush`] hands over a partly filled
//! buffer (by copy, keeping the big buffer); dropping the lane flushes.
//!
//! ## Invariants
//!
//! * Events of one lane appear in the store in the order they were recorded, and their
//!   timestamps never decrease (one thread, one monotonic clock): chunks are appended in
//!   order and each chunk is in order.
//! * `buf.len() < CHUNK` between calls, and `buf.capacity() >= CHUNK + 1`, so the one
//!   or two slots of an event always fit without reallocating (the hot path is a
//!   bounds check, a store and a length increment) and both slots of an extended event
//!   land in the same chunk, which `encoding.rs` relies on.
//! * The store keeps at most its bound of slots (default
//!   [`DEFAULT_MAX_EVENTS_PER_LANE`]); past it, the oldest chunks go. So a lane's events
//!   are always the most recent ones, contiguous, and a long-running server traced by
//!   `SPINDLE_TRACE` does not grow without bound.
//! * The store's mutex is only taken once per chunk (or flush) by the owner and by
//!   snapshots, so it is never contended on the hot path. (No atomics on the hot path either: the
//!   `RefCell` borrow flag is a plain, thread-local integer.)
//!
//! Why not one global lock-free queue: every push would be a contended atomic on a shared
//! cache line, ~160 ns here whenever two cores record at once; four times the cost of
//! the poll being recorded. Per-thread buffers are what ftrace, LTTng and Chrome's
//! tracing do for the same reason.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::chunk_pool;
use crate::clock::Clock;
use crate::encoding::{Slot, encode};
use crate::event::EventKind;

/// Slots per chunk: a lane hands its buffer to the recorder every `CHUNK` slots of 16
/// bytes (64 KiB). Most events take one slot, rare ones two (see `encoding.rs`), so the
/// lane's mutex is taken about once per 4,096 records.
pub const CHUNK: usize = 4096;

/// What kind of thread a lane belongs to. Lanes are shown grouped by kind, in this
/// order, then by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LaneKind {
    /// A multi-thread runtime worker.
    Worker,
    /// A thread inside `block_on` (or a current-thread runtime's only thread).
    BlockOn,
    /// A thread of the fixed thread pool.
    PoolThread,
}

impl LaneKind {
    /// The short name used in labels: "worker", "block_on", "pool".
    pub fn name(self) -> &'static str {
        match self {
            LaneKind::Worker => "worker",
            LaneKind::BlockOn => "block_on",
            LaneKind::PoolThread => "pool",
        }
    }
}

impl fmt::Display for LaneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The default bound on the slots a lane keeps: 4 Mi slots, 64 MiB, about two million
/// polls. Past it the oldest chunks are forgotten (see [`crate::Recorder::with_max_events_per_lane`]).
pub const DEFAULT_MAX_EVENTS_PER_LANE: usize = 1 << 22;

/// The part of a lane the recorder keeps: identity and full chunks.
#[derive(Debug)]
pub(crate) struct LaneStore {
    pub(crate) kind: LaneKind,
    pub(crate) index: usize,
    /// At most this many slots are kept (at least one chunk's worth).
    max_slots: usize,
    chunks: Mutex<Chunks>,
}

/// A lane's handed-over chunks, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Chunks {
    pub(crate) list: VecDeque<Vec<Slot>>,
    /// Slots in `list`.
    slots: usize,
    /// Slots forgotten to stay under the bound.
    pub(crate) dropped: u64,
}

impl LaneStore {
    pub(crate) fn new(kind: LaneKind, index: usize, max_slots: usize) -> LaneStore {
        LaneStore {
            kind,
            index,
            max_slots: max_slots.max(CHUNK),
            chunks: Mutex::new(Chunks::default()),
        }
    }

    /// Appends `chunk`. Past the bound, the oldest chunks are forgotten and the last of
    /// them is returned, emptied, for reuse: a flight recorder (Perfetto's ring-buffer
    /// mode) that keeps the most recent events in bounded memory and, in steady state,
    /// writes into memory that is already mapped (no page faults).
    fn keep(&self, chunk: Vec<Slot>) -> Option<Vec<Slot>> {
        let mut chunks = self.chunks();
        let mut recycled = None;
        while chunks.slots + chunk.len() > self.max_slots {
            let Some(mut oldest) = chunks.list.pop_front() else {
                break;
            };
            chunks.slots -= oldest.len();
            chunks.dropped += oldest.len() as u64;
            oldest.clear();
            recycled = Some(oldest);
        }
        chunks.slots += chunk.len();
        chunks.list.push_back(chunk);
        recycled
    }

    /// The chunks; a thread that panicked while holding the lock cannot have left a
    /// half-pushed chunk (a push is one move), so a poisoned lock is still consistent.
    pub(crate) fn chunks(&self) -> MutexGuard<'_, Chunks> {
        self.chunks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A thread's own event buffer (one per worker, pool thread or `block_on` thread).
///
/// `Send` but not `Sync`: create it on any thread, record only from the thread that owns
/// it. [`Lane::record`] takes no lock; a full chunk of [`CHUNK`] events is handed to the
/// recorder under the lane's own mutex. Drop or [`Lane::flush`] it before a
/// [`crate::Recorder::snapshot`] that should see its last events.
pub struct Lane {
    clock: Clock,
    buf: RefCell<Vec<Slot>>,
    store: Arc<LaneStore>,
    /// The timestamp of the last event recorded, for [`Lane::record_at_last`].
    last_ticks: Cell<Option<u64>>,
}

impl Lane {
    pub(crate) fn new(clock: Clock, store: Arc<LaneStore>) -> Lane {
        Lane {
            clock,
            buf: RefCell::new(chunk_pool::take()),
            store,
            last_ticks: Cell::new(None),
        }
    }

    /// Records `event`, timestamped now. A push into this thread's buffer: no lock, no
    /// atomic instruction, except once every [`CHUNK`] events.
    #[inline]
    pub fn record(&self, event: EventKind) {
        let ticks = self.clock.now_ticks();
        self.last_ticks.set(Some(ticks));
        self.push(ticks, event);
    }

    /// Records `event` with the timestamp of the event recorded just before it on this
    /// lane, without reading the clock (a clock read is most of what an event costs:
    /// ~12 ns of a ~14 ns `record` on the reference VM). For an event that follows the
    /// previous one with nothing in between worth timing — a runtime's next poll,
    /// starting right after the last poll ended — this halves the cost of tracing each
    /// poll; the few nanoseconds of queue work between the two go to the new event's
    /// span. The caller decides when that is true. With no earlier event, reads the clock.
    #[inline]
    pub fn record_at_last(&self, event: EventKind) {
        match self.last_ticks.get() {
            Some(ticks) => self.push(ticks, event),
            None => self.record(event),
        }
    }

    #[inline]
    fn push(&self, ticks: u64, event: EventKind) {
        let (first, second) = encode(ticks, event);
        let mut buf = self.buf.borrow_mut();
        buf.push(first);
        if let Some(second) = second {
            buf.push(second);
        }
        if buf.len() >= CHUNK {
            self.hand_over(&mut buf);
        }
    }

    /// Hands the events recorded so far to the recorder, so the next snapshot sees them.
    ///
    /// Cheap enough to call whenever the thread is about to sleep: a partly filled
    /// buffer is *copied* out at its exact size and the lane keeps its big buffer, so
    /// a thread that parks often does not leave a 64 KiB chunk behind per park.
    pub fn flush(&self) {
        let mut buf = self.buf.borrow_mut();
        if buf.len() >= CHUNK / 2 {
            self.hand_over(&mut buf);
        } else if !buf.is_empty() {
            let part = buf.to_vec();
            buf.clear();
            self.store.keep(part);
        }
    }

    /// The kind of thread this lane records.
    pub fn kind(&self) -> LaneKind {
        self.store.kind
    }

    /// The lane's index among lanes of its kind (worker 0, worker 1, ...).
    pub fn index(&self) -> usize {
        self.store.index
    }

    /// Moves the buffer into the store and starts a fresh one (or reuses a chunk the
    /// store forgot). Cold: once per chunk.
    #[cold]
    #[inline(never)]
    fn hand_over(&self, buf: &mut Vec<Slot>) {
        let recycled = self.store.keep(std::mem::take(buf));
        *buf = match recycled {
            Some(v) if v.capacity() > CHUNK => v,
            _ => chunk_pool::take(),
        };
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        self.flush();
        // Its events are in the store now; the empty buffer can serve another lane.
        chunk_pool::give(std::mem::take(self.buf.get_mut()));
    }
}

impl Drop for LaneStore {
    /// The last owner (lane or recorder) is gone: the chunks go back to the pool.
    fn drop(&mut self) {
        let chunks = self
            .chunks
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        for chunk in chunks.list.drain(..) {
            chunk_pool::give(chunk);
        }
    }
}

/// "worker 0", "block_on 0", "pool 1".
impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.store.kind, self.store.index)
    }
}

impl fmt::Debug for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lane")
            .field("kind", &self.store.kind)
            .field("index", &self.store.index)
            .field("buffered", &self.buf.try_borrow().map(|b| b.len()).ok())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Recorder;

    fn assert_send<T: Send>() {}

    #[test]
    fn lane_is_send() {
        assert_send::<Lane>();
    }

    #[test]
    fn lane_display_names() {
        assert_eq!(LaneKind::Worker.to_string(), "worker");
        assert_eq!(LaneKind::BlockOn.to_string(), "block_on");
        assert_eq!(LaneKind::PoolThread.to_string(), "pool");
    }

    #[test]
    fn record_at_last_reuses_the_previous_timestamp() {
        let recorder = Recorder::new();
        let lane = recorder.lane(LaneKind::Worker, 0);
        // No earlier event: it reads the clock like `record`.
        lane.record_at_last(EventKind::PollStart { task: 1, cpu: 0 });
        lane.record(EventKind::PollEnd {
            task: 1,
            ready: false,
        });
        std::thread::sleep(std::time::Duration::from_millis(2));
        lane.record_at_last(EventKind::PollStart { task: 2, cpu: 0 });
        lane.record(EventKind::PollEnd {
            task: 2,
            ready: true,
        });
        lane.flush();
        let trace = recorder.snapshot();
        let t: Vec<u64> = trace.lanes[0].events.iter().map(|e| e.t_ns).collect();
        assert_eq!(t.len(), 4);
        assert_eq!(t[2], t[1], "the second poll starts at the first one's end");
        assert!(
            t[3] - t[2] >= 1_000_000,
            "so the sleep lands inside the second poll's span"
        );
    }

    #[test]
    fn full_chunks_are_visible_without_flush_and_partial_ones_after() {
        let recorder = Recorder::new();
        let lane = recorder.lane(LaneKind::Worker, 3);
        assert_eq!((lane.kind(), lane.index()), (LaneKind::Worker, 3));
        assert_eq!(lane.to_string(), "worker 3");
        let n = CHUNK + 10;
        for i in 0..n as u64 {
            lane.record(EventKind::Wake { task: i });
        }
        let before = recorder.snapshot();
        assert_eq!(before.lanes[0].events.len(), CHUNK);
        lane.flush();
        lane.flush(); // a second flush with nothing buffered adds nothing
        let after = recorder.snapshot();
        let events = &after.lanes[0].events;
        assert_eq!(events.len(), n);
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e.kind, EventKind::Wake { task: i as u64 });
        }
        assert!(events.windows(2).all(|w| w[0].t_ns <= w[1].t_ns));
    }

    #[test]
    fn a_full_lane_forgets_its_oldest_chunks() {
        let recorder = Recorder::new().with_max_events_per_lane(2 * CHUNK);
        let lane = recorder.lane(LaneKind::Worker, 0);
        let n = 5 * CHUNK as u64 + 3;
        for i in 0..n {
            lane.record(EventKind::Wake { task: i });
        }
        drop(lane);
        let trace = recorder.snapshot();
        let events = &trace.lanes[0].events;
        // Flushing the last 3 pushed out all but the newest full chunk.
        assert_eq!(events.len(), CHUNK + 3);
        assert_eq!(recorder.dropped_events(), n - events.len() as u64);
        for (e, i) in events.iter().zip(n - events.len() as u64..) {
            assert_eq!(e.kind, EventKind::Wake { task: i });
        }
    }

    #[test]
    fn many_small_flushes_keep_order_and_the_lane_buffer() {
        let recorder = Recorder::new();
        let lane = recorder.lane(LaneKind::PoolThread, 1);
        for round in 0..100u64 {
            lane.record(EventKind::Park);
            lane.record(EventKind::Wake { task: round });
            lane.flush(); // as a thread does before it sleeps
        }
        assert!(lane.buf.borrow().capacity() > CHUNK, "the big buffer stays");
        let trace = recorder.snapshot();
        let events = &trace.lanes[0].events;
        assert_eq!(events.len(), 200);
        for (round, pair) in events.chunks(2).enumerate() {
            assert_eq!(pair[0].kind, EventKind::Park);
            assert_eq!(pair[1].kind, EventKind::Wake { task: round as u64 });
        }
        assert_eq!(recorder.dropped_events(), 0);
    }

    #[test]
    fn dropping_a_lane_flushes_it() {
        let recorder = Recorder::new();
        let lane = recorder.lane(LaneKind::PoolThread, 0);
        lane.record(EventKind::JobStart { job: 7, cpu: 1 });
        lane.record(EventKind::JobEnd { job: 7 });
        assert!(recorder.snapshot().lanes[0].events.is_empty());
        drop(lane);
        let trace = recorder.snapshot();
        assert_eq!(trace.lanes[0].events.len(), 2);
        assert_eq!(trace.lanes[0].events[1].kind, EventKind::JobEnd { job: 7 });
    }

    /// Prints what [`Lane::record`] costs (not a pass/fail test: timings belong in
    /// benchmarks). Run: `cargo test --release -p spindle-trace record_cost -- --ignored
    /// --nocapture`. "fresh" writes new memory (page faults included), as a lane does
    /// until it reaches its bound; "recycled" reuses forgotten chunks, as it does after.
    ///
    /// Measured on the 2-vCPU VM (clocksource tsc), best round: clock read (RDTSC)
    /// 12.6 ns; record 14.1 ns into recycled memory, 14.4 ns with a new session every
    /// 600,000 events (spare chunks reused), 19.3 ns into fresh memory (page faults).
    /// With other builds running, everything is up to twice that. The first version
    /// (`Instant::now()`, 32-byte events) cost ~36 ns per record on a quiet machine.
    #[test]
    #[ignore = "a measurement, run by hand in release mode"]
    fn record_cost() {
        use std::hint::black_box;
        use std::time::Instant;
        const N: usize = 8_000_000;
        let clock = crate::clock::Clock::start();
        for round in 0..3 {
            let start = Instant::now();
            for i in 0..N {
                black_box(clock.now_ticks());
                black_box(i);
            }
            let clock_ns = start.elapsed().as_nanos() as f64 / N as f64;
            let mut results = Vec::new();
            for (what, max) in [("fresh", 2 * N), ("recycled", 16 * CHUNK)] {
                let recorder = Recorder::new().with_max_events_per_lane(max);
                let lane = recorder.lane(LaneKind::Worker, 0);
                if what == "recycled" {
                    // Fill the bound once so the measured records reuse chunks.
                    for i in 0..max as u64 {
                        lane.record(EventKind::Wake { task: i });
                    }
                }
                let start = Instant::now();
                for i in 0..(N / 2) as u64 {
                    lane.record(EventKind::PollStart {
                        task: black_box(i),
                        cpu: 0,
                    });
                    lane.record(EventKind::PollEnd {
                        task: black_box(i),
                        ready: false,
                    });
                }
                let ns = start.elapsed().as_nanos() as f64 / N as f64;
                results.push(format!("{what} {ns:.1} ns/event"));
                drop(lane);
                let kept = recorder.snapshot().lanes[0].events.len();
                assert_eq!(
                    kept as u64 + recorder.dropped_events(),
                    (N + if what == "recycled" { max } else { 0 }) as u64
                );
            }
            // As a benchmark does: a new session (runtime) every 600,000 events.
            let start = Instant::now();
            for _ in 0..N / 600_000 {
                let recorder = Recorder::new();
                let lane = recorder.lane(LaneKind::Worker, 0);
                for i in 0..300_000u64 {
                    lane.record(EventKind::PollStart {
                        task: black_box(i),
                        cpu: 0,
                    });
                    lane.record(EventKind::PollEnd {
                        task: black_box(i),
                        ready: false,
                    });
                }
            }
            let ns = start.elapsed().as_nanos() as f64 / (N / 600_000 * 600_000) as f64;
            results.push(format!("session per 600k events {ns:.1} ns/event"));
            println!(
                "round {round}: clock read {clock_ns:.1} ns; Lane::record {}",
                results.join(", ")
            );
        }
    }
}
