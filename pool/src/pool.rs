//! `ThreadPool`: the handle users hold.
//!
//! It owns the registry (shared with the workers) and the workers' `JoinHandle`s. Every
//! operation is a thin front over the module that implements it: `execute`/`spawn` here
//! (admission + push), `scope.rs`, `join.rs`, `parallel.rs`, and shutdown below.
//!
//! ## Shutdown
//! `shutdown()` (and `Drop`) sets the registry's terminated bit — from then on every new
//! job is refused (`execute` → `Err(Rejected)`, `spawn` → a handle that yields
//! `JobError::is_rejected`), while every job admitted before keeps its promise: workers
//! drain all queues and exit only when nothing is in flight. Then the threads are joined.
//!
//! Called from one of the pool's own workers (a job that shuts its own pool down, or the
//! last `ThreadPool` dropped inside a job), joining would wait for the very job that is
//! calling: instead `shutdown` returns at once after refusing new jobs; the workers still
//! drain the queues and exit on their own (detached), and a later `shutdown` from outside
//! the pool joins them. `shutdown` is idempotent, and concurrent calls all return after
//! the threads are joined.

use crate::backpressure::{Full, SpawnAsync};
use crate::builder::{BuildError, Builder};
use crate::capacity::Capacity;
use crate::erase::Scope;
use crate::handle::JobHandle;
use crate::job::{Job, Outcome};
use crate::registry::Registry;
use crate::spawn::SpawnJob;
use crate::stats::PoolStats;
use crate::worker::WorkerThread;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A fixed pool of worker threads with work stealing.
///
/// ```
/// use spindle_pool::ThreadPool;
///
/// let pool = ThreadPool::new(2).unwrap();
/// let squares = pool.map(&[1, 2, 3, 4], |x| x * x);
/// assert_eq!(squares, [1, 4, 9, 16]);
/// let (a, b) = pool.join(|| 1 + 1, || 2 + 2);
/// assert_eq!((a, b), (2, 4));
/// ```
pub struct ThreadPool {
    registry: Arc<Registry>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

/// The pool refused a job because it is shut down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejected;

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("job rejected: the thread pool is shut down")
    }
}

impl std::error::Error for Rejected {}

impl ThreadPool {
    /// A pool of `threads` workers with the default settings; `threads == 0` is an error.
    pub fn new(threads: usize) -> Result<ThreadPool, BuildError> {
        Builder::new().threads(threads).build()
    }

    /// A [`Builder`] to configure names, stack size, pinning, hooks and the panic handler.
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_parts(registry: Arc<Registry>, threads: Vec<JoinHandle<()>>) -> ThreadPool {
        ThreadPool {
            registry,
            threads: Mutex::new(threads),
        }
    }

    /// Number of worker threads.
    pub fn num_threads(&self) -> usize {
        self.registry.num_threads()
    }

    /// Admits and queues a job: on the current worker's own deque when called from a
    /// worker of this pool (it will likely run it next, with warm caches), else in the
    /// injector. Gives the job back if the pool is shut down.
    fn submit(&self, mut job: Job) -> Result<(), Job> {
        if !self.registry.admit() {
            return Err(job);
        }
        job.set_counted();
        match WorkerThread::current_of(&self.registry) {
            Some(worker) => worker.push(job),
            None => self.registry.inject(job),
        }
        Ok(())
    }

    /// The registry (for `backpressure.rs`).
    pub(crate) fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The queue bound, if the pool has one.
    pub(crate) fn capacity(&self) -> Option<&Capacity> {
        self.registry.capacity.as_deref()
    }

    /// [`ThreadPool::submit`] for a job that holds a queue slot: the slot goes back if
    /// the pool refuses the job.
    fn submit_slotted(&self, mut job: Job) -> Result<(), Job> {
        job.set_slot();
        self.submit(job)
            .inspect_err(|_| self.registry.release_slot())
    }

    /// Queues `job` under the bound as `execute`/`spawn` do (see `backpressure.rs`):
    /// wait for a slot (or, on a worker of this pool, run queued jobs meanwhile, or
    /// `job` itself inline). Gives the job back if the pool is shut down.
    fn submit_bounded(&self, capacity: &Capacity, job: Job) -> Result<(), Job> {
        match crate::backpressure::acquire_or_help(self, capacity) {
            Ok(true) => self.submit_slotted(job),
            Ok(false) if !self.is_shut_down() => {
                let worker = WorkerThread::current_of(&self.registry)
                    .expect("acquire_or_help runs a job inline only on a worker of this pool");
                worker.execute(job);
                Ok(())
            }
            Ok(false) | Err(()) => Err(job),
        }
    }

    fn execute_job<F>(f: F) -> Job
    where
        F: FnOnce() + Send + 'static,
    {
        Job::new(Box::new(move || match catch_unwind(AssertUnwindSafe(f)) {
            Ok(()) => Outcome::Finished,
            Err(payload) => Outcome::Unhandled(payload),
        }))
    }

    /// Runs `f` on the pool, fire and forget. A panic in `f` goes to the panic handler
    /// (see [`Builder::panic_handler`]) and is counted in [`ThreadPool::stats`]; the
    /// worker survives. Fails only when the pool is shut down.
    ///
    /// With a [`Builder::queue_capacity`] and a full queue, the caller blocks until a
    /// queued job starts; a worker of this pool runs queued jobs instead (or `f` itself),
    /// so it never deadlocks its own pool. A caller blocked when the pool shuts down
    /// gets `Err(Rejected)`.
    pub fn execute<F>(&self, f: F) -> Result<(), Rejected>
    where
        F: FnOnce() + Send + 'static,
    {
        let job = Self::execute_job(f);
        match self.capacity() {
            None => self.submit(job),
            Some(capacity) => self.submit_bounded(capacity, job),
        }
        .map_err(|_| Rejected)
    }

    /// As [`ThreadPool::execute`], but never waits: a full queue hands `f` back as
    /// `Err(Full(f))` (and counts a rejection in [`ThreadPool::stats`]). The inner
    /// result is `execute`'s: `Err(Rejected)` after shutdown. Without a queue capacity
    /// this is `Ok(self.execute(f))`.
    pub fn try_execute<F>(&self, f: F) -> Result<Result<(), Rejected>, Full<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        let Some(capacity) = self.capacity() else {
            return Ok(self.execute(f));
        };
        if !capacity.try_acquire() {
            capacity.count_rejection();
            return Err(Full(f));
        }
        Ok(self
            .submit_slotted(Self::execute_job(f))
            .map_err(|_| Rejected))
    }

    /// Runs `f` on the pool and returns a handle to its result: `join()` it, or `.await`
    /// it from any executor. After shutdown the job does not run and the handle yields a
    /// rejected [`JobError`](crate::JobError) at once.
    ///
    /// With a [`Builder::queue_capacity`] and a full queue it waits for room as
    /// [`ThreadPool::execute`] does; from async code use [`ThreadPool::spawn_async`],
    /// which waits without blocking the thread.
    pub fn spawn<F, T>(&self, f: F) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let job = Arc::new(SpawnJob::new(f));
        let submitted = match self.capacity() {
            None => self.submit(Job::shared(job.clone())),
            Some(capacity) => self.submit_bounded(capacity, Job::shared(job.clone())),
        };
        if let Err(refused) = submitted {
            drop(refused);
            job.reject();
        }
        JobHandle::new(job)
    }

    /// As [`ThreadPool::spawn`], but never waits: a full queue hands `f` back as
    /// `Err(Full(f))` (and counts a rejection). After shutdown: `Ok` with a rejected
    /// handle, as `spawn`.
    pub fn try_spawn<F, T>(&self, f: F) -> Result<JobHandle<T>, Full<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let Some(capacity) = self.capacity() else {
            return Ok(self.spawn(f));
        };
        if !capacity.try_acquire() {
            capacity.count_rejection();
            return Err(Full(f));
        }
        Ok(self.spawn_with_slot(f, true))
    }

    /// A future that waits (without blocking its thread) until the queue has room, then
    /// spawns `f` and resolves to its handle — for async code feeding a bounded pool.
    /// Without a queue capacity it spawns on its first poll. After shutdown it resolves
    /// to a rejected handle.
    ///
    /// ```
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut std::task::Context::from_waker(&waker)) { return v } std::thread::yield_now() }
    /// # }
    /// let pool = spindle_pool::ThreadPool::builder().threads(1).queue_capacity(4).build()?;
    /// let handle = block_on(pool.spawn_async(|| 6 * 7));
    /// assert_eq!(handle.join()?, 42);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn_async<F, T>(&self, f: F) -> SpawnAsync<'_, F, T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        SpawnAsync::new(self, f)
    }

    /// Spawns `f` with a queue slot already taken (`has_slot`), or rejects it (the wait
    /// for room ended in shutdown).
    pub(crate) fn spawn_with_slot<F, T>(&self, f: F, has_slot: bool) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let job = Arc::new(SpawnJob::new(f));
        if !has_slot || self.submit_slotted(Job::shared(job.clone())).is_err() {
            job.reject();
        }
        JobHandle::new(job)
    }

    /// Runs `f` with a [`Scope`] whose jobs may borrow from the caller's stack; returns
    /// once every job of the scope has ended. Shaped like `std::thread::scope`.
    ///
    /// If `f` or any job panicked, the panic is re-raised after all jobs ended: `f`'s own
    /// panic if it panicked, else the first job panic. Called from a worker of this pool,
    /// the worker runs jobs while it waits, so nested scopes never run out of threads.
    pub fn scope<'env, F, R>(&self, f: F) -> R
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> R,
    {
        crate::scope::scope(self.registry.clone(), f)
    }

    /// Runs `op` on a worker of this pool and returns its result (rayon's `install`).
    ///
    /// Called from outside the pool, `op` becomes one job and the caller blocks (parks,
    /// no spinning; a worker of another pool keeps running that pool's jobs) until it is
    /// done; a panic in `op` is re-raised on the caller. Called from a worker of this
    /// pool, `op` simply runs there. Everything `op` does — `join`, `scope`, `spawn` —
    /// then takes the cheap on-worker path. After [`ThreadPool::shutdown`] `op` runs on
    /// the caller.
    ///
    /// ```
    /// let pool = spindle_pool::ThreadPool::new(2).unwrap();
    /// let data = vec![1u64, 2, 3, 4];
    /// let sum = pool.install(|| {
    ///     let (l, r) = data.split_at(2);
    ///     let (a, b) = pool.join(|| l.iter().sum::<u64>(), || r.iter().sum::<u64>());
    ///     a + b
    /// });
    /// assert_eq!(sum, 10);
    /// ```
    pub fn install<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        crate::install::install(&self.registry, op)
    }

    /// Runs `a` and `b`, potentially in parallel, and returns both results (rayon's
    /// `join`): `a` runs on the calling worker; `b` is offered to the pool and run by the
    /// same worker if no other took it by the time `a` is done. Called from outside the
    /// pool, the whole `join` first moves onto a worker, as with
    /// [`ThreadPool::install`]. A panic in either is re-raised after both ended.
    pub fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        crate::join::join(&self.registry, a, b)
    }

    /// Maps `f` over `items` in parallel; the results keep the input order.
    pub fn map<T, U, F>(&self, items: &[T], f: F) -> Vec<U>
    where
        T: Sync,
        U: Send,
        F: Fn(&T) -> U + Sync,
    {
        crate::parallel::map(&self.registry, items, f)
    }

    /// Maps `f` over an owned vector in parallel, consuming it; the results keep the
    /// input order.
    pub fn map_vec<T, U, F>(&self, items: Vec<T>, f: F) -> Vec<U>
    where
        T: Send,
        U: Send,
        F: Fn(T) -> U + Sync,
    {
        crate::parallel::map_vec(&self.registry, items, f)
    }

    /// Calls `f(index, chunk)` for every `chunk_len`-long chunk of `data` (the last one
    /// may be shorter), in parallel; `index` is the chunk's position, as in
    /// `data.chunks_mut(chunk_len).enumerate()`.
    ///
    /// # Panics
    /// If `chunk_len` is 0; and re-raises a panic of `f` once every chunk is done.
    pub fn for_each_chunk_mut<T, F>(&self, data: &mut [T], chunk_len: usize, f: F)
    where
        T: Send,
        F: Fn(usize, &mut [T]) + Sync,
    {
        crate::parallel::for_each_chunk_mut(&self.registry, data, chunk_len, f)
    }

    /// Refuses new jobs, lets the workers finish every queued job, and joins them.
    /// Idempotent. From a worker of this pool it returns without joining (see the
    /// module docs: the workers drain the queues and exit on their own).
    pub fn shutdown(&self) {
        self.registry.terminate();
        if WorkerThread::current_of(&self.registry).is_some() {
            return;
        }
        // Hold the lock while joining, so a concurrent `shutdown` returns only after the
        // threads are gone too.
        let mut threads = self.threads.lock().unwrap_or_else(|p| p.into_inner());
        for handle in threads.drain(..) {
            // Workers catch every job panic, so a join error is a bug in the pool itself;
            // it has already been reported on stderr by the panic hook.
            let _ = handle.join();
        }
        // Every thread exited and flushed its lane: save the pool's own trace, once.
        #[cfg(feature = "trace")]
        if let Some(trace) = self.registry.trace() {
            trace.save();
        }
    }

    /// Whether [`ThreadPool::shutdown`] has been called (or the pool is being dropped).
    pub fn is_shut_down(&self) -> bool {
        self.registry.is_terminated()
    }

    /// What each worker has done so far, and how many jobs are queued.
    pub fn stats(&self) -> PoolStats {
        self.registry.stats()
    }

    /// What the pool's threads have recorded so far, if the pool traces
    /// ([`Builder::trace`], [`Builder::trace_to`] or `SPINDLE_TRACE`). A thread hands its
    /// events over when it sleeps, exits, or has buffered `spindle_trace::CHUNK` of them,
    /// so a snapshot of an idle or shut-down pool is complete; one of a busy pool may
    /// lack each thread's most recent events.
    #[cfg(feature = "trace")]
    pub fn trace_snapshot(&self) -> Option<crate::trace::Trace> {
        self.registry.trace().map(|t| t.snapshot())
    }

    /// The index of the pool worker running the caller, if the caller runs on a worker
    /// of some `spindle-pool` pool (like rayon's `current_thread_index`).
    pub fn current_thread_index() -> Option<usize> {
        WorkerThread::current().map(|w| w.index())
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("threads", &self.num_threads())
            .field("shut_down", &self.is_shut_down())
            .finish()
    }
}
