//! `Builder::unhandled_panic`: with `ShutdownRuntime` a task panic makes `block_on` panic
//! naming the task and cancels every other task; with `Ignore` (the default) nothing
//! changes. Both flavours; the other tasks' futures count their drops.

use spindle::runtime::{Builder, Runtime, UnhandledPanic};
use spindle_tests::watchdog::Watchdog;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn runtimes(policy: UnhandledPanic) -> Vec<(&'static str, Runtime)> {
    vec![
        (
            "current_thread",
            Builder::new_current_thread()
                .unhandled_panic(policy)
                .build()
                .unwrap(),
        ),
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .unhandled_panic(policy)
                .build()
                .unwrap(),
        ),
    ]
}

/// Counts the drops of the future that owns it.
struct CountDrop(Arc<AtomicUsize>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Spawns `n` tasks that wait forever, each holding a `CountDrop`.
fn spawn_sleepers(rt: &Runtime, n: usize, drops: &Arc<AtomicUsize>) {
    for _ in 0..n {
        let guard = CountDrop(drops.clone());
        drop(rt.spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }));
    }
}

#[test]
fn shutdown_runtime_makes_block_on_panic_and_cancels_the_other_tasks() {
    let _watchdog = Watchdog::new("shutdown_runtime_makes_block_on_panic", 20);
    for (flavour, rt) in runtimes(UnhandledPanic::ShutdownRuntime) {
        let drops = Arc::new(AtomicUsize::new(0));
        spawn_sleepers(&rt, 3, &drops);
        let panicker = rt.spawn(async { panic!("task exploded") });
        let id = panicker.id();
        drop(panicker); // the policy covers tasks whose JoinHandle is gone too
        let run = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(std::future::pending::<()>())
        }));
        let payload = run.expect_err("block_on must panic under ShutdownRuntime");
        let msg = payload
            .downcast_ref::<String>()
            .expect("the panic message is a String");
        assert!(msg.contains(&format!("task {id}")), "{flavour}: {msg}");
        assert!(msg.contains("task exploded"), "{flavour}: {msg}");
        // Cancelled by block_on itself, before the runtime is dropped: exactly once each.
        assert_eq!(drops.load(Ordering::SeqCst), 3, "{flavour}");
        // The runtime is shut down: a later block_on fails the same way.
        assert!(
            catch_unwind(AssertUnwindSafe(|| rt.block_on(async {}))).is_err(),
            "{flavour}"
        );
        drop(rt);
        assert_eq!(drops.load(Ordering::SeqCst), 3, "{flavour}: dropped twice");
    }
}

#[test]
fn shutdown_runtime_fires_while_block_on_waits_on_the_panicking_tasks_sibling() {
    let _watchdog = Watchdog::new("shutdown_runtime_fires_while_block_on_waits", 20);
    for (flavour, rt) in runtimes(UnhandledPanic::ShutdownRuntime) {
        let run = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                // The panic happens while block_on is parked on this join.
                let waiting = spindle::spawn(std::future::pending::<()>());
                spindle::spawn(async { panic!("second task exploded") });
                let _ = waiting.await;
            })
        }));
        assert!(run.is_err(), "{flavour}");
    }
}

#[test]
fn shutdown_runtime_covers_local_set_tasks() {
    let _watchdog = Watchdog::new("shutdown_runtime_covers_local_set_tasks", 20);
    for (flavour, rt) in runtimes(UnhandledPanic::ShutdownRuntime) {
        let drops = Arc::new(AtomicUsize::new(0));
        let local = spindle::task::LocalSet::new();
        let guard = CountDrop(drops.clone());
        let run = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(local.run_until(async move {
                drop(spindle::task::spawn_local(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                }));
                drop(spindle::task::spawn_local(async {
                    panic!("local task exploded")
                }));
                std::future::pending::<()>().await
            }))
        }));
        let payload = run.expect_err("block_on must panic for a LocalSet task's panic");
        let msg = payload.downcast_ref::<String>().expect("a String message");
        assert!(msg.contains("local task exploded"), "{flavour}: {msg}");
        drop(local);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{flavour}");
    }
}

#[test]
fn ignore_leaves_panics_to_the_join_handle() {
    let _watchdog = Watchdog::new("ignore_leaves_panics_to_the_join_handle", 20);
    for (flavour, rt) in runtimes(UnhandledPanic::Ignore) {
        let drops = Arc::new(AtomicUsize::new(0));
        spawn_sleepers(&rt, 3, &drops);
        drop(rt.spawn(async { panic!("unobserved") }));
        let err = rt
            .block_on(rt.spawn(async { panic!("observed") }))
            .unwrap_err();
        assert!(err.is_panic(), "{flavour}");
        assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7, "{flavour}");
        assert_eq!(
            drops.load(Ordering::SeqCst),
            0,
            "{flavour}: nothing cancelled"
        );
        drop(rt);
        assert_eq!(drops.load(Ordering::SeqCst), 3, "{flavour}");
    }
}
