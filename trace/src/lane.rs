//! A thread's own event buffer, handed to the recorder in chunks.
//!
//! ## Algorithm
//!
//! A [`Lane`] has two parts:
//!
//! * `buf`: a `RefCell<Vec<Event>>` with room for [`CHUNK`] events, touched only by the
//!   thread that owns the lane (`Lane` is `Send`, so it can be created on one thread and
//!   moved to its worker, but not `Sync`, so no two threads share it);
//! * `store`: an `Arc` to the lane's [`LaneStore`], which the [`crate::Recorder`] also
//!   holds: a `Mutex<Vec<Vec<Event>>>` of full chunks.
//!
//! [`Lane::record`] reads the clock and pushes. When the push fills the buffer, the full
//! `Vec` is moved (not copied) into the store under the mutex, and a fresh one takes its
//! place. [`Lane::flush`] does the same with a partly filled buffer; dropping the lane
//! flushes.
//!
//! ## Invariants
//!
//! * Events of one lane appear in the store in the order they were recorded, and their
//!   timestamps never decrease (one thread, one monotonic clock): chunks are appended in
//!   order and each chunk is in order.
//! * `buf.len() < CHUNK` between calls, and `buf.capacity() >= CHUNK`, so a push never
//!   reallocates: the hot path is a bounds check, a store and a length increment.
//! * The store's mutex is only taken once per chunk by the owner and by snapshots, so it
//!   is never contended on the hot path. (No atomics on the hot path either: the
//!   `RefCell` borrow flag is a plain, thread-local integer.)
//!
//! Why not one global lock-free queue: every push would be a contended atomic on a shared
//! cache line, ~160 ns here whenever two cores record at once; four times the cost of
//! the poll being recorded. Per-thread buffers are what ftrace, LTTng and Chrome's
//! tracing do for the same reason.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::clock::Clock;
use crate::event::{Event, EventKind};

/// Events per chunk: a lane hands its buffer to the recorder every `CHUNK` events
/// (4,096 × 32 bytes = 128 KiB), so the lane's mutex is taken once per 4,096 records.
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

/// The part of a lane the recorder keeps: identity and full chunks.
#[derive(Debug)]
pub(crate) struct LaneStore {
    pub(crate) kind: LaneKind,
    pub(crate) index: usize,
    chunks: Mutex<Vec<Vec<Event>>>,
}

impl LaneStore {
    pub(crate) fn new(kind: LaneKind, index: usize) -> LaneStore {
        LaneStore {
            kind,
            index,
            chunks: Mutex::new(Vec::new()),
        }
    }

    /// The chunks; a thread that panicked while holding the lock cannot have left a
    /// half-pushed chunk (a push is one move), so a poisoned lock is still consistent.
    pub(crate) fn chunks(&self) -> MutexGuard<'_, Vec<Vec<Event>>> {
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
    buf: RefCell<Vec<Event>>,
    store: Arc<LaneStore>,
}

impl Lane {
    pub(crate) fn new(clock: Clock, store: Arc<LaneStore>) -> Lane {
        Lane {
            clock,
            buf: RefCell::new(Vec::with_capacity(CHUNK)),
            store,
        }
    }

    /// Records `event`, timestamped now. A push into this thread's buffer: no lock, no
    /// atomic instruction, except once every [`CHUNK`] events.
    #[inline]
    pub fn record(&self, event: EventKind) {
        let t_ns = self.clock.now_ns();
        let mut buf = self.buf.borrow_mut();
        buf.push(Event { t_ns, kind: event });
        if buf.len() >= CHUNK {
            self.hand_over(&mut buf);
        }
    }

    /// Hands the events recorded so far to the recorder, so the next snapshot sees them.
    pub fn flush(&self) {
        let mut buf = self.buf.borrow_mut();
        if !buf.is_empty() {
            self.hand_over(&mut buf);
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

    /// Moves the buffer into the store and starts a fresh one. Cold: once per chunk.
    #[cold]
    #[inline(never)]
    fn hand_over(&self, buf: &mut Vec<Event>) {
        let full = std::mem::replace(buf, Vec::with_capacity(CHUNK));
        self.store.chunks().push(full);
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        self.flush();
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
    fn full_chunks_are_visible_without_flush_and_partial_ones_after() {
        let recorder = Recorder::new();
        let lane = recorder.lane(LaneKind::Worker, 3);
        assert_eq!((lane.kind(), lane.index()), (LaneKind::Worker, 3));
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
}
