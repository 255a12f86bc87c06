//! The blocking pool: where `spawn_blocking` closures run.
//!
//! Blocking work (file I/O, a C library call, heavy CPU work) must not run on a worker:
//! it would stall every task queued there. It goes to a separate fixed pool of threads,
//! spindle-pool's [`ThreadPool`], sized by `Builder::blocking_threads`, created on first
//! use so that runtimes that never block pay no threads.
//!
//! ## A blocking task is a task whose scheduler is the pool
//! The first design was "a task on a worker that awaits the pool's `JobHandle`": correct,
//! but a round trip then crosses four threads (caller -> pool, caller -> worker,
//! pool -> worker, worker -> caller), and the benchmark showed it. Now, as in tokio,
//! `spawn_blocking(f)` makes an ordinary task cell whose future is [`BlockingTask`] (runs
//! `f` in its one poll) and whose scheduler is [`BlockingSchedule`]: scheduling the task
//! means submitting "run this `Notified`" to the pool. The caller -> pool -> caller trip is
//! all that is left, and output, panics (caught by the task's poll: a panic `JoinError`
//! with the closure's payload) and abort (a task aborted before the pool reaches it is
//! cancelled instead of run) all go through the task machinery of [`crate::task`].
//! A closure that has started cannot be interrupted; it runs to its end (as in tokio).
//!
//! When the runtime is traced, the pool records into the runtime's `Recorder` (a
//! `PoolThread` lane per thread, a `JobStart`/`JobEnd` pair per blocking task), so
//! blocking work shows in the same timeline as the workers.
//!
//! The pool is built here, unbounded (no `spindle_pool::Builder::queue_capacity`), and an
//! embedder cannot hand one in: `spawn_blocking` runs on async workers, where a
//! `spawn` that waits for room would stall every task of the worker, so the queue may
//! grow (as tokio's blocking queue does). Should a bound ever be wanted here, the
//! submission must go through the pool's non-blocking path (`try_spawn`, or
//! `spawn_async` awaited by a task), never `spawn`; the test
//! `spawn_blocking_never_blocks_the_worker_on_a_full_queue` guards this.
//!
//! Blocking tasks are not in the runtime's owned-tasks list: they always run to completion
//! on the pool, or are cancelled if the pool drops them unstarted at shutdown
//! ([`RunOnPool`]'s `Drop`). They are in a list of their own, [`BlockingPool::listed`],
//! which only the task dump reads (it is never closed nor drained: shutdown leaves the
//! blocking tasks to the pool, as before); a task leaves it when it completes.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::{Arc, OnceLock, mpsc};
use std::task::{Context, Poll};
use std::time::Duration;

use spindle_pool::ThreadPool;

use crate::scheduler::{self, context};
use crate::task::list::OwnedTasks;
use crate::task::{self, JoinHandle, Notified, RawTask, Schedule};

/// A lazily started `spindle_pool::ThreadPool`.
pub(crate) struct BlockingPool {
    threads: usize,
    /// `Builder::thread_stack_size`, for the pool's threads too.
    stack_size: Option<usize>,
    /// The runtime's trace recorder, shared with the pool's threads (one lane each).
    #[cfg(feature = "trace")]
    recorder: Option<crate::trace::Recorder>,
    /// Set by runtime shutdown: later blocking tasks are cancelled, not started.
    closed: AtomicBool,
    pool: OnceLock<Arc<ThreadPool>>,
    /// The live blocking tasks, for the task dump (see the module header).
    pub(crate) listed: Arc<OwnedTasks>,
}

impl BlockingPool {
    pub(crate) fn new(
        threads: usize,
        stack_size: Option<usize>,
        trace: &crate::trace::session::Session,
    ) -> BlockingPool {
        #[cfg(not(feature = "trace"))]
        let _ = trace;
        BlockingPool {
            threads,
            stack_size,
            #[cfg(feature = "trace")]
            recorder: trace.recorder().cloned(),
            closed: AtomicBool::new(false),
            pool: OnceLock::new(),
            listed: Arc::new(OwnedTasks::new(4)),
        }
    }

    /// Runs `f` on the pool as a blocking task (see the module header).
    pub(crate) fn spawn<F, R>(&self, handle: &scheduler::Handle, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        if self.closed.load(Acquire) {
            // The runtime is shut down: cancel at once (do not start a new pool).
            let (notified, join, unowned) = task::new_task(std::future::pending::<R>(), Closed);
            task::forget_unowned(unowned);
            notified.shutdown();
            drop(f);
            return join;
        }
        let pool = BlockingSchedule(self.pool_arc().clone(), self.listed.clone());
        let future = BlockingTask {
            f: Some(f),
            handle: Some(handle.clone()),
        };
        let (notified, join, listed) = task::new_task(future, pool.clone());
        // The dump's list takes the reference an owned list would hold; it is never
        // closed, so `bind` cannot refuse.
        let bound = self.listed.bind(listed);
        debug_assert!(bound);
        pool.schedule(notified);
        join
    }

    fn pool_arc(&self) -> &Arc<ThreadPool> {
        self.get();
        self.pool.get().expect("started above")
    }

    /// The pool, started on first use.
    ///
    /// # Panics
    /// If the OS refuses to start its threads (the error is in the message).
    pub(crate) fn get(&self) -> &ThreadPool {
        self.pool.get_or_init(|| {
            // The runtime decides whether its pool is traced (SPINDLE_TRACE included).
            let builder = ThreadPool::builder()
                .threads(self.threads)
                .thread_name(|i| format!("spindle-blocking-{i}"))
                .trace_from_env(false);
            let builder = match self.stack_size {
                Some(bytes) => builder.stack_size(bytes),
                None => builder,
            };
            // A traced runtime shares its recorder: the pool's threads get lanes in the
            // runtime's picture, and the runtime saves the one trace.
            #[cfg(feature = "trace")]
            let builder = match &self.recorder {
                Some(recorder) => builder.trace(recorder.clone()),
                None => builder,
            };
            let pool = builder
                .build()
                .unwrap_or_else(|e| panic!("spindle could not start its blocking pool: {e}"));
            Arc::new(pool)
        })
    }

    /// Finishes the queued blocking jobs and joins the pool's threads, waiting at most
    /// `timeout` (after which the threads finish on their own, detached).
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        self.closed.store(true, Release);
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

/// The future of a blocking task: calls the closure in its one poll, on a pool thread,
/// with the runtime's handle as the current one (so `spindle::spawn` and
/// `Handle::current` work inside it).
struct BlockingTask<F> {
    f: Option<F>,
    handle: Option<scheduler::Handle>,
}

// The closure is never pinned (it is moved out and called).
impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.f.take().expect("a blocking task is polled once");
        let handle = self.handle.take().expect("handle");
        let _context = context::set_current(&handle);
        drop(handle);
        Poll::Ready(f())
    }
}

/// The scheduler of blocking tasks: "schedule" means "run on the pool".
#[derive(Clone)]
struct BlockingSchedule(Arc<ThreadPool>, Arc<OwnedTasks>);

/// A queued pool job that runs one task; if the pool drops it unrun (shutdown), the task
/// is cancelled instead, so its JoinHandle does not wait forever.
struct RunOnPool(Option<Notified>);

impl Drop for RunOnPool {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.shutdown();
        }
    }
}

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Notified) {
        let mut job = RunOnPool(Some(task));
        // On rejection the closure, and `job` with it, is dropped: the task is cancelled.
        let _ = self.0.execute(move || {
            if let Some(task) = job.0.take() {
                task.run();
            }
        });
    }

    fn release(&self, task: RawTask) -> bool {
        self.1.remove(task) // leaves the dump's list
    }
}

/// The scheduler of a blocking task refused after shutdown: it is never scheduled.
struct Closed;

impl Schedule for Closed {
    fn schedule(&self, task: Notified) {
        task.shutdown();
    }

    fn release(&self, _task: RawTask) -> bool {
        false
    }
}
