//! Faults an embedder meets while configuring and tearing down a runtime or a pool: a
//! start hook that panics, a stack too small to run on, a `spawn` from a `Drop` that
//! runs during shutdown. Each must end in an error (or a cancelled task), never in a
//! runtime that silently runs nothing, an aborted process, or a misleading panic.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use spindle::runtime::Builder;
use spindle_tests::watchdog::Watchdog;

#[test]
fn panicking_start_hook_fails_build_instead_of_a_dead_runtime() {
    let _w = Watchdog::new("panicking_start_hook", 20);
    let (starts, stops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (s1, s2) = (starts.clone(), stops.clone());
    let err = Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(move || {
            // The second worker's hook fails: the first one is already running.
            if s1.fetch_add(1, SeqCst) == 1 {
                panic!("hook boom");
            }
        })
        .on_thread_stop(move || {
            s2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("hook boom"), "{err}");
    assert!(err.to_string().contains("on_thread_start"), "{err}");
    assert_eq!(starts.load(SeqCst), 2);
    // build() returned only after stopping the worker whose hook succeeded.
    assert_eq!(stops.load(SeqCst), 1);
}

#[test]
fn start_hook_that_succeeds_still_runs_on_every_worker() {
    let _w = Watchdog::new("start_hook_succeeds", 20);
    let starts = Arc::new(AtomicUsize::new(0));
    let s = starts.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(3)
        .on_thread_start(move || {
            s.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    // build() waited for the hooks: all three ran before it returned.
    assert_eq!(starts.load(SeqCst), 3);
    assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7);
}

#[test]
fn pool_stack_too_small_is_an_invalid_input_error_not_an_abort() {
    for bytes in [0, 1, spindle_pool::Builder::MIN_STACK_SIZE - 1] {
        let err = spindle_pool::ThreadPool::builder()
            .threads(1)
            .stack_size(bytes)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("stack_size"), "{err}");
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
    }
}

#[test]
fn pool_runs_jobs_on_the_minimum_stack() {
    let _w = Watchdog::new("pool_minimum_stack", 20);
    let pool = spindle_pool::ThreadPool::builder()
        .threads(2)
        .stack_size(spindle_pool::Builder::MIN_STACK_SIZE)
        .build()
        .unwrap();
    let ran = AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..100 {
            s.spawn(|| {
                ran.fetch_add(1, SeqCst);
            });
        }
    });
    assert_eq!(ran.load(SeqCst), 100);
    assert_eq!(pool.join(|| 1, || 2), (1, 2));
    assert_eq!(pool.spawn(|| 6 * 7).join().unwrap(), 42);
}

#[test]
fn runtime_thread_stack_size_is_checked_and_used() {
    let _w = Watchdog::new("runtime_thread_stack_size", 20);
    for bytes in [0, 1, spindle_pool::Builder::MIN_STACK_SIZE - 1] {
        for mut builder in [Builder::new_multi_thread(), Builder::new_current_thread()] {
            let err = builder.thread_stack_size(bytes).build().unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
            assert!(err.to_string().contains("thread_stack_size"), "{err}");
        }
    }
    // The minimum runs tasks, timers and blocking jobs (a debug build uses the most).
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(spindle_pool::Builder::MIN_STACK_SIZE)
        .build()
        .unwrap();
    let sum = rt.block_on(async {
        let tasks: Vec<_> = (0..50u64)
            .map(|i| spindle::spawn(async move { i }))
            .collect();
        let mut sum = 0;
        for t in tasks {
            sum += t.await.unwrap();
        }
        spindle::time::sleep(std::time::Duration::from_millis(1)).await;
        sum + spindle::task::spawn_blocking(|| 1000).await.unwrap()
    });
    assert_eq!(sum, 1225 + 1000);
}

/// A future whose `Drop` spawns a task and records what the spawn returned.
struct SpawnsOnDrop {
    spawned: Arc<std::sync::Mutex<Option<spindle::task::JoinHandle<()>>>>,
}

impl std::future::Future for SpawnsOnDrop {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Pending
    }
}

impl Drop for SpawnsOnDrop {
    fn drop(&mut self) {
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let handle = spindle::spawn(async move {
            r.fetch_add(1, SeqCst);
        });
        *self.spawned.lock().unwrap() = Some(handle);
        assert_eq!(ran.load(SeqCst), 0);
    }
}

#[test]
fn spawn_from_drop_during_shutdown_returns_a_cancelled_handle() {
    let _w = Watchdog::new("spawn_from_drop_during_shutdown", 20);
    for rt in spindle_tests::both_flavours() {
        let spawned = Arc::new(std::sync::Mutex::new(None));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let s = spawned.clone();
        rt.spawn(async move {
            let _ = ready_tx.send(());
            SpawnsOnDrop { spawned: s }.await
        });
        if rt.stats().flavor == "current_thread" {
            rt.block_on(spindle::task::yield_now());
        }
        ready_rx.recv().unwrap();
        drop(rt); // cancels the task: its future's Drop spawns
        let handle = spawned
            .lock()
            .unwrap()
            .take()
            .expect("the Drop ran and spawned");
        // Awaited on another runtime: it is already complete, cancelled.
        let other = Builder::new_current_thread().build().unwrap();
        let err = other.block_on(handle).unwrap_err();
        assert!(err.is_cancelled(), "{err}");
    }
}
