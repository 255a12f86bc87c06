//! Small end-to-end runs of both schedulers, sized to also run under Miri (which checks
//! the thread-local context pointers and the queues' hand-offs).

use std::sync::Arc;

use super::Builder;
use crate::task::yield_now;

fn n() -> u64 {
    if cfg!(miri) { 10 } else { 1000 }
}

#[test]
fn both_flavours_spawn_yield_join() {
    for mut b in [Builder::new_current_thread(), Builder::new_multi_thread()] {
        let rt = b.worker_threads(2).build().unwrap();
        let n = n();
        let sum = rt.block_on(async move {
            let hs: Vec<_> = (0..n)
                .map(|i| {
                    crate::spawn(async move {
                        yield_now().await;
                        i
                    })
                })
                .collect();
            let mut s = 0;
            for h in hs {
                s += h.await.unwrap();
            }
            s
        });
        assert_eq!(sum, n * (n - 1) / 2);
    }
}

#[test]
fn drop_with_pending_tasks_frees_everything() {
    for mut b in [Builder::new_current_thread(), Builder::new_multi_thread()] {
        let rt = b.worker_threads(2).build().unwrap();
        let shared = Arc::new(());
        for _ in 0..n() {
            let sh = shared.clone();
            rt.spawn(async move {
                let _sh = sh;
                std::future::pending::<()>().await
            });
        }
        rt.block_on(yield_now());
        drop(rt);
        assert_eq!(Arc::strong_count(&shared), 1);
    }
}

#[test]
fn local_set_runs_and_cancels_not_send_tasks() {
    use crate::task::{LocalSet, spawn_local};
    use std::rc::Rc;
    let rt = Builder::new_current_thread().build().unwrap();
    let local = LocalSet::new();
    let rc = Rc::new(());
    let r2 = rc.clone();
    let v = local.block_on(&rt, async move {
        let h = spawn_local(async move {
            yield_now().await;
            Rc::strong_count(&r2)
        });
        h.await.unwrap()
    });
    assert_eq!(v, 2);
    let r3 = rc.clone();
    let pending = local.spawn_local(async move {
        let _r = r3;
        std::future::pending::<()>().await
    });
    drop(local);
    assert_eq!(
        Rc::strong_count(&rc),
        1,
        "pending local task dropped with the set"
    );
    assert!(rt.block_on(pending).unwrap_err().is_cancelled());
}

#[test]
fn spawn_blocking_runs_on_the_pool_and_aborts_cleanly() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .blocking_threads(1)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 6 * 7)).unwrap(), 42);
    let err = rt
        .block_on(rt.spawn_blocking(|| panic!("in pool")))
        .unwrap_err();
    assert!(err.is_panic());
    let j = rt.spawn_blocking(|| ());
    j.abort(); // before or after the pool ran it: either way it finishes
    let _ = rt.block_on(j);
}

#[test]
fn task_ids_are_distinct_and_seen_inside_the_task() {
    for mut b in [Builder::new_current_thread(), Builder::new_multi_thread()] {
        let rt = b.worker_threads(2).build().unwrap();
        rt.block_on(async {
            assert_eq!(
                crate::task::try_id(),
                None,
                "block_on's future is not a task"
            );
            let hs: Vec<_> = (0..8)
                .map(|_| crate::spawn(async { crate::task::id() }))
                .collect();
            let mut ids = std::collections::HashSet::new();
            for h in hs {
                let id = h.id();
                assert_eq!(h.abort_handle().id(), id);
                assert_eq!(h.await.unwrap(), id);
                assert!(ids.insert(id));
            }
        });
    }
}

#[test]
fn task_builder_spawns_everywhere_and_errors_outside_a_runtime() {
    use crate::task::Builder as TaskBuilder;
    let err = TaskBuilder::new().name("x").spawn(async {}).unwrap_err();
    assert!(
        err.to_string().contains("outside a spindle runtime"),
        "{err}"
    );
    assert!(TaskBuilder::new().spawn_local(async {}).is_err());
    let rt = Builder::new_current_thread().build().unwrap();
    let h = TaskBuilder::new()
        .name("on")
        .spawn_on(async { 1 }, rt.handle())
        .unwrap();
    let b = TaskBuilder::new()
        .name("blocking")
        .spawn_blocking_on(|| 2, rt.handle())
        .unwrap();
    let local = crate::task::LocalSet::new();
    let sum = local.block_on(&rt, async move {
        let l = TaskBuilder::new()
            .name("local")
            .spawn_local(async { std::rc::Rc::new(3) })
            .unwrap();
        let s = TaskBuilder::new()
            .name("spawned")
            .spawn(async { 4 })
            .unwrap();
        let sb = TaskBuilder::new().spawn_blocking(|| 5).unwrap();
        h.await.unwrap()
            + b.await.unwrap()
            + *l.await.unwrap()
            + s.await.unwrap()
            + sb.await.unwrap()
    });
    assert_eq!(sum, 15);
}
