//! The runtime's recording hooks, on a current-thread runtime (its `block_on` lane is
//! flushed when `block_on` returns, so the snapshot is complete and the test exact).

use super::{EventKind, LaneKind};
use crate::runtime::Builder;
use crate::task::yield_now;

#[test]
fn current_thread_records_spawns_polls_wakes_and_names() {
    let rt = Builder::new_current_thread().trace(true).build().unwrap();
    let (parent, child) = rt.block_on(async {
        let h = crate::task::Builder::new()
            .name("parent")
            .spawn(async {
                let child = crate::spawn(async { yield_now().await });
                let id = child.id();
                child.await.unwrap();
                (crate::task::id(), id)
            })
            .unwrap();
        h.await.unwrap()
    });
    let trace = rt.trace_snapshot().expect("traced");
    assert_eq!(
        trace.task_names.get(&parent.as_u64()).map(String::as_str),
        Some("parent")
    );
    let lane = (trace.lanes.iter())
        .find(|l| l.kind == LaneKind::BlockOn)
        .expect("a block_on lane");
    let kinds: Vec<EventKind> = lane.events.iter().map(|e| e.kind).collect();
    let (p, c) = (parent.as_u64(), child.as_u64());
    // The parent is spawned from block_on (no task running): no parent id; the child
    // from inside the parent.
    assert!(
        kinds.contains(&EventKind::Spawn {
            task: p,
            parent: None
        }),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&EventKind::Spawn {
            task: c,
            parent: Some(p)
        }),
        "{kinds:?}"
    );
    let polls = |t| {
        let starts = (kinds.iter())
            .filter(|k| matches!(k, EventKind::PollStart { task, .. } if *task == t))
            .count();
        let ends = (kinds.iter())
            .filter(|k| matches!(k, EventKind::PollEnd { task, .. } if *task == t))
            .count();
        assert_eq!(starts, ends);
        starts
    };
    assert_eq!(polls(c), 2, "the child yields once: {kinds:?}");
    assert_eq!(
        polls(p),
        2,
        "the parent waits for the child once: {kinds:?}"
    );
    // The child woke itself (a yield: no Wake event, see lane_hooks.rs) and, finishing,
    // woke its parent.
    assert!(!kinds.contains(&EventKind::Wake { task: c }), "{kinds:?}");
    assert!(kinds.contains(&EventKind::Wake { task: p }), "{kinds:?}");
    assert!(kinds.contains(&EventKind::PollEnd {
        task: c,
        ready: true
    }));
    let stats = rt.stats();
    let row = stats
        .tasks
        .iter()
        .find(|t| t.task == p)
        .expect("task stats");
    assert_eq!((row.polls, row.name.as_deref()), (2, Some("parent")));
}

#[test]
fn untraced_runtime_has_no_trace_and_no_task_stats() {
    let rt = Builder::new_current_thread().trace(false).build().unwrap();
    rt.block_on(async { crate::spawn(async {}).await.unwrap() });
    assert!(rt.trace_snapshot().is_none());
    assert!(rt.stats().tasks.is_empty());
}
