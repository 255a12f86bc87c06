//! The blocking pool: where `spawn_blocking` closures run.
//!
//! Blocking work (file I/O, a C library call, heavy CPU work) must not run on a worker:
//! it would stall every task queued there. It goes to a separate fixed pool of threads,
//! spindle-pool's [`ThreadPool`], sized by `Builder::blocking_threads`, created on first
//! use so that runtimes that never block pay no threads.
//!
//! `spawn_blocking(f)` is a task that awaits the pool's `JobHandle`: the simplest correct
//! design (one mechanism for output, panics and cancellation). A panic in `f` is re-raised
//! inside that task, whose poll catches it, so the `JoinHandle` reports
//! `JoinError::is_panic` with the original payload. Aborting the `JoinHandle` cancels the
//! waiting task; the closure itself cannot be interrupted and runs to its end (as in tokio).

use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use spindle_pool::ThreadPool;

/// A lazily started `spindle_pool::ThreadPool`.
pub(crate) struct BlockingPool {
    threads: usize,
    pool: OnceLock<Arc<ThreadPool>>,
}

impl BlockingPool {
    pub(crate) fn new(threads: usize) -> BlockingPool {
        BlockingPool {
            threads,
            pool: OnceLock::new(),
        }
    }

    /// The pool, started on first use.
    ///
    /// # Panics
    /// If the OS refuses to start its threads (the error is in the message).
    pub(crate) fn get(&self) -> &ThreadPool {
        self.pool.get_or_init(|| {
            let pool = ThreadPool::builder()
                .threads(self.threads)
                .thread_name(|i| format!("spindle-blocking-{i}"))
                .build()
                .unwrap_or_else(|e| panic!("spindle could not start its blocking pool: {e}"));
            Arc::new(pool)
        })
    }

    /// Finishes the queued blocking jobs and joins the pool's threads, waiting at most
    /// `timeout` (after which the threads finish on their own, detached).
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        let Some(pool) = self.pool.get() else { return };
        match timeout {
            None => pool.shutdown(),
            Some(t) => {
                let pool = pool.clone();
                let (tx, rx) = mpsc::channel();
                std::thread::spawn(move || {
                    pool.shutdown();
                    let _ = tx.send(());
                });
                let _ = rx.recv_timeout(t);
            }
        }
    }
}
