//! The tracing session: one epoch, the registered lanes, shared events, task names.
//!
//! ## Structure
//!
//! A [`Recorder`] is an `Arc` around:
//!
//! * the session's [`Clock`] (copied into each lane at registration; lanes record raw
//!   ticks that the snapshot converts to nanoseconds, see `clock.rs`);
//! * `lanes`: every [`LaneStore`] ever registered, in registration order (a lane that is
//!   dropped keeps its store here, so its events survive the thread that made them);
//! * `shared`: events from threads without a lane, timestamped *inside* the lock so the
//!   list is in time order without sorting, and bounded like a lane;
//! * `names`: task names given through [`Recorder::name_task`].
//!
//! Every lock here is off the hot path: registering a lane happens once per thread,
//! shared events and names are rare, and a lane's own mutex is taken once per chunk.
//!
//! ## Snapshot
//!
//! [`Recorder::snapshot`] copies what was flushed so far (it does not drain: a second
//! snapshot sees everything again, plus what came since), converts ticks to nanoseconds
//! with one calibration for all lanes, and orders the lanes by kind,
//! then index, with a stable sort so lanes registered twice under one name stay in
//! registration order. Events within a lane are already in time order (see `lane.rs`);
//! nothing else is sorted.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::clock::Clock;
use crate::encoding::{Slot, decode};
use crate::event::{Event, EventKind};
use crate::lane::{DEFAULT_MAX_EVENTS_PER_LANE, Lane, LaneKind, LaneStore};
use crate::trace::{LaneTrace, Trace};

/// One tracing session: a clock epoch, the registered lanes, task names.
/// Cheap to clone (an `Arc`); `Send + Sync`.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Clock,
    /// Bound on the slots each lane keeps.
    max_slots: usize,
    lanes: Mutex<Vec<Arc<LaneStore>>>,
    shared: Mutex<Shared>,
    names: Mutex<HashMap<u64, String>>,
}

/// Events of threads without a lane: unpacked (they are rare, so size does not matter)
/// and bounded like a lane.
#[derive(Default)]
struct Shared {
    events: VecDeque<(u64, EventKind)>,
    dropped: u64,
}

/// Locks `m`, ignoring poison: every critical section here is a single push or insert,
/// which a panic cannot leave half done.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Recorder {
    /// A new session whose time zero is now.
    pub fn new() -> Recorder {
        Recorder {
            inner: Arc::new(Inner {
                clock: Clock::start(),
                max_slots: DEFAULT_MAX_EVENTS_PER_LANE,
                lanes: Mutex::new(Vec::new()),
                shared: Mutex::new(Shared::default()),
                names: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Bounds the events each lane keeps (in 16-byte slots; rare large events take two),
    /// instead of [`crate::DEFAULT_MAX_EVENTS_PER_LANE`]; at least [`crate::CHUNK`]. Past
    /// the bound a lane forgets its oldest events, a chunk at a time. Call it before
    /// creating lanes: it applies to lanes created afterwards.
    ///
    /// # Panics
    ///
    /// If lanes were already created (they would keep the old bound): set the bound
    /// right after [`Recorder::new`].
    pub fn with_max_events_per_lane(self, max: usize) -> Recorder {
        let mut this = self;
        let inner = Arc::get_mut(&mut this.inner).expect(
            "Recorder::with_max_events_per_lane must be called on a new recorder, before it is cloned",
        );
        assert!(
            lock(&inner.lanes).is_empty(),
            "Recorder::with_max_events_per_lane must be called before the first lane is created"
        );
        inner.max_slots = max.max(crate::CHUNK);
        this
    }

    /// Events (slots) forgotten so far, over all lanes and the shared list, to stay
    /// under the per-lane bound.
    pub fn dropped_events(&self) -> u64 {
        let lanes: u64 = lock(&self.inner.lanes)
            .iter()
            .map(|store| store.chunks().dropped)
            .sum();
        lanes + lock(&self.inner.shared).dropped
    }

    /// A lane for the calling thread (one per worker / pool thread / `block_on` thread),
    /// registered in this session under `kind` and `index`.
    pub fn lane(&self, kind: LaneKind, index: usize) -> Lane {
        let store = Arc::new(LaneStore::new(kind, index, self.inner.max_slots));
        lock(&self.inner.lanes).push(Arc::clone(&store));
        Lane::new(self.inner.clock, store)
    }

    /// Records `event` for a thread without a lane (a waker called from a foreign
    /// thread, a spawn from outside the runtime). One mutex for all such threads: never
    /// use it on a worker's hot path.
    pub fn record_shared(&self, event: EventKind) {
        let mut shared = lock(&self.inner.shared);
        // Timestamp under the lock, so the shared list stays in time order.
        let ticks = self.inner.clock.now_ticks();
        // The same bound as a lane's, oldest first out.
        if shared.events.len() >= self.inner.max_slots {
            shared.events.pop_front();
            shared.dropped += 1;
        }
        shared.events.push_back((ticks, event));
    }

    /// Names a task (e.g. one spawned through a named builder); a later name replaces an
    /// earlier one. Off the hot path.
    pub fn name_task(&self, task: u64, name: &str) {
        lock(&self.inner.names).insert(task, name.to_owned());
    }

    /// Nanoseconds since the session's epoch, on the same clock as the events. It
    /// calibrates the tick clock on every call (a few hundred nanoseconds): not for a
    /// hot path, where [`Lane::record`] is the cheap way to note a time.
    pub fn now_ns(&self) -> u64 {
        self.inner.clock.now_ns()
    }

    /// Everything flushed so far: each lane's full chunks and flushed events (a lane
    /// flushes every [`crate::CHUNK`] events, on [`Lane::flush`] and on drop), the shared
    /// events and the task names. Lanes are ordered by kind, then index.
    pub fn snapshot(&self) -> Trace {
        let stores: Vec<Arc<LaneStore>> = lock(&self.inner.lanes).clone();
        let cal = self.inner.clock.calibrate();
        let convert = |slots: &[Slot], events: &mut Vec<Event>, previous: &mut u64| {
            events.extend(decode(slots).map(|(ticks, kind)| Event {
                t_ns: cal.monotonic(ticks, previous),
                kind,
            }));
        };
        let mut lanes: Vec<LaneTrace> = stores
            .iter()
            .map(|store| {
                let chunks = store.chunks();
                let mut events = Vec::with_capacity(chunks.list.iter().map(Vec::len).sum());
                let mut previous = 0;
                for chunk in &chunks.list {
                    convert(chunk, &mut events, &mut previous);
                }
                LaneTrace {
                    kind: store.kind,
                    index: store.index,
                    events,
                }
            })
            .collect();
        lanes.sort_by_key(|l| (l.kind, l.index));
        let mut previous = 0;
        let shared = lock(&self.inner.shared)
            .events
            .iter()
            .map(|&(ticks, kind)| Event {
                t_ns: cal.monotonic(ticks, &mut previous),
                kind,
            })
            .collect();
        Trace {
            lanes,
            shared,
            task_names: lock(&self.inner.names).clone(),
        }
    }
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder::new()
    }
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("lanes", &lock(&self.inner.lanes).len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Trace;
    use std::thread;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn recorder_is_send_sync_clone() {
        assert_send_sync::<Recorder>();
    }

    #[test]
    fn every_event_of_every_thread_appears_once_in_order() {
        const THREADS: usize = 4;
        let per_thread: u64 = if cfg!(miri) {
            50
        } else {
            3 * crate::CHUNK as u64 + 17
        };
        let recorder = Recorder::new();
        thread::scope(|s| {
            for t in 0..THREADS {
                let recorder = recorder.clone();
                s.spawn(move || {
                    // Register in reverse order: the snapshot must still sort by index.
                    let lane = recorder.lane(LaneKind::Worker, THREADS - 1 - t);
                    for i in 0..per_thread {
                        lane.record(EventKind::Wake { task: i });
                    }
                    recorder.record_shared(EventKind::Spawn {
                        task: t as u64,
                        parent: None,
                    });
                });
            }
        });
        let trace = recorder.snapshot();
        assert_eq!(trace.lanes.len(), THREADS);
        for (i, lane) in trace.lanes.iter().enumerate() {
            assert_eq!((lane.kind, lane.index), (LaneKind::Worker, i));
            assert_eq!(lane.events.len() as u64, per_thread);
            for (n, e) in lane.events.iter().enumerate() {
                assert_eq!(e.kind, EventKind::Wake { task: n as u64 });
            }
            assert!(lane.events.windows(2).all(|w| w[0].t_ns <= w[1].t_ns));
        }
        assert_eq!(trace.shared.len(), THREADS);
        assert!(trace.shared.windows(2).all(|w| w[0].t_ns <= w[1].t_ns));
        let mut spawned: Vec<u64> = trace
            .shared
            .iter()
            .map(|e| match e.kind {
                EventKind::Spawn { task, .. } => task,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        spawned.sort_unstable();
        assert_eq!(spawned, [0, 1, 2, 3]);
    }

    #[test]
    fn snapshots_taken_while_threads_record_see_a_prefix_of_each_lane() {
        let per_thread: u64 = if cfg!(miri) {
            40
        } else {
            4 * crate::CHUNK as u64
        };
        let recorder = Recorder::new();
        let check = |trace: &Trace| {
            for lane in &trace.lanes {
                for (n, e) in lane.events.iter().enumerate() {
                    assert_eq!(e.kind, EventKind::Wake { task: n as u64 });
                }
            }
        };
        thread::scope(|s| {
            for t in 0..2 {
                let recorder = recorder.clone();
                s.spawn(move || {
                    let lane = recorder.lane(LaneKind::PoolThread, t);
                    for i in 0..per_thread {
                        lane.record(EventKind::Wake { task: i });
                        if i % 1000 == 999 {
                            lane.flush();
                        }
                    }
                });
            }
            for _ in 0..20 {
                check(&recorder.snapshot());
                thread::yield_now();
            }
        });
        let trace = recorder.snapshot();
        check(&trace);
        assert!(
            trace
                .lanes
                .iter()
                .all(|l| l.events.len() as u64 == per_thread)
        );
    }

    #[test]
    fn the_shared_list_is_bounded_and_keeps_the_newest() {
        let recorder = Recorder::new().with_max_events_per_lane(crate::CHUNK);
        let n = crate::CHUNK as u64 + 5;
        for task in 0..n {
            recorder.record_shared(EventKind::Wake { task });
        }
        let trace = recorder.snapshot();
        assert_eq!(trace.shared.len(), crate::CHUNK);
        assert_eq!(trace.shared[0].kind, EventKind::Wake { task: 5 });
        assert_eq!(recorder.dropped_events(), 5);
    }

    #[test]
    #[should_panic(expected = "before the first lane is created")]
    fn the_bound_cannot_change_after_lanes_exist() {
        let recorder = Recorder::new();
        let _lane = recorder.lane(LaneKind::Worker, 0);
        let _ = recorder.with_max_events_per_lane(1);
    }

    #[test]
    fn lanes_sort_by_kind_then_index_and_snapshots_do_not_drain() {
        let recorder = Recorder::new();
        let a = recorder.lane(LaneKind::PoolThread, 0);
        let b = recorder.lane(LaneKind::BlockOn, 0);
        let c = recorder.lane(LaneKind::Worker, 1);
        let d = recorder.lane(LaneKind::Worker, 0);
        for lane in [&a, &b, &c, &d] {
            lane.record(EventKind::Park);
            lane.flush();
        }
        recorder.name_task(5, "first");
        recorder.name_task(5, "accept loop");
        let order: Vec<_> = recorder
            .snapshot()
            .lanes
            .iter()
            .map(|l| (l.kind, l.index))
            .collect();
        assert_eq!(
            order,
            [
                (LaneKind::Worker, 0),
                (LaneKind::Worker, 1),
                (LaneKind::BlockOn, 0),
                (LaneKind::PoolThread, 0)
            ]
        );
        let again = recorder.snapshot();
        assert!(again.lanes.iter().all(|l| l.events.len() == 1));
        assert_eq!(again.task_names[&5], "accept loop");
        assert!(recorder.now_ns() >= again.lanes[0].events[0].t_ns);
    }
}
