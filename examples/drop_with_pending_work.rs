//! Drops a runtime and a pool while they hold pending work: CI runs this under valgrind
//! to check that nothing leaks (Miri's leak check cannot be used: crossbeam-epoch leaves
//! its garbage at exit by design, see `.ci/run`).
//!
//! ```sh
//! cargo build --example drop_with_pending_work
//! valgrind --leak-check=full --errors-for-leak-kinds=definite target/debug/examples/drop_with_pending_work
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Counts the futures and closures dropped, to check "exactly once" too.
struct Counted(Arc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

const TASKS: usize = 10_000;
const JOBS: usize = 1_000;

fn main() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("build the runtime");
    let (keep_open, _receiver) = spindle::sync::mpsc::unbounded_channel::<()>();
    for i in 0..TASKS {
        let guard = Counted(dropped.clone());
        let keep_open = keep_open.clone();
        rt.spawn(async move {
            let _guard = guard;
            let _keep_open = keep_open;
            match i % 3 {
                // In the timing wheel.
                0 => spindle::time::sleep(Duration::from_secs(3600)).await,
                // Registered with epoll: one task waits for a connection that never comes.
                2 if i == 2 => {
                    let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await;
                    let _ = listener.expect("bind").accept().await;
                }
                // Idle, after one trip through the run queue.
                _ => {
                    spindle::task::yield_now().await;
                    std::future::pending::<()>().await
                }
            }
        });
    }

    let pool = spindle::pool::ThreadPool::new(2).expect("build the pool");
    let gate = Arc::new(std::sync::Barrier::new(3));
    for _ in 0..2 {
        // Hold both pool threads until every job below is queued.
        let gate = gate.clone();
        pool.execute(move || {
            gate.wait();
        })
        .expect("pool accepts jobs");
    }
    for _ in 0..JOBS {
        let guard = Counted(dropped.clone());
        drop(pool.spawn(move || drop(guard)));
    }
    gate.wait();

    drop(rt);
    drop(pool);
    let dropped = dropped.load(Ordering::SeqCst);
    println!("dropped {dropped} of {} futures and jobs", TASKS + JOBS);
    assert_eq!(
        dropped,
        TASKS + JOBS,
        "every future and job dropped exactly once"
    );
}
