//! Submitting under a queue bound (`Builder::queue_capacity`): block, run a job
//! instead, hand the job back, or wait asynchronously.
//!
//! The slot accounting and the wait list are `capacity.rs`'s (its header has the wake
//! protocol, step by step, and `docs/pool-backpressure.md` the whole design). This file
//! decides what a caller does when the queue is full:
//!
//! | caller | `execute` / `spawn` | `try_execute` / `try_spawn` | `spawn_async(f).await` |
//! |---|---|---|---|
//! | any thread outside the pool | parks until a job starts (FIFO with the other waiters) | `Err(Full(f))` | `Pending` until a slot frees; never blocks the thread |
//! | a worker of this pool | runs one queued job, tries again; if it finds none, runs the new job inline | `Err(Full(f))` | as outside |
//!
//! Why a worker never waits: on a one-thread pool, a job that spawns more jobs than the
//! bound would wait for room only this very thread can make. Running queued work in
//! the meantime makes room (each job it starts frees a slot); when no queued job is
//! visible — every slot belongs to a job that another thread is just pushing — the
//! worker runs the new job itself, which needs no slot at all (the caller-runs policy
//! of Java's `ThreadPoolExecutor`). Either way the worker makes progress.
//!
//! After shutdown every path gives the job back as today: `execute` → `Err(Rejected)`,
//! `spawn` → a rejected handle; a caller blocked for room is released with the same
//! (`Capacity::close`).

use crate::capacity::{self, Capacity, Registered, Ticket};
use crate::handle::JobHandle;
use crate::pool::ThreadPool;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `try_execute`/`try_spawn` found the queue full: the closure, handed back unrun.
///
/// ```
/// let pool = spindle_pool::ThreadPool::builder().threads(1).queue_capacity(1).build()?;
/// let (hold, release) = std::sync::mpsc::channel::<()>();
/// pool.execute(move || { let _ = release.recv(); })?; // occupies the worker
/// # while pool.stats().queued > 0 { std::thread::yield_now() }
/// pool.execute(|| ())?; // fills the one slot
/// let full = pool.try_spawn(|| 42).unwrap_err();
/// assert_eq!((full.into_inner())(), 42);
/// drop(hold);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Full<F>(pub F);

impl<F> Full<F> {
    /// The closure that was not queued.
    pub fn into_inner(self) -> F {
        self.0
    }
}

impl<F> fmt::Debug for Full<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<F> fmt::Display for Full<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("job not queued: the thread pool's queue is full (Builder::queue_capacity)")
    }
}

impl<F> std::error::Error for Full<F> {}

/// Takes a slot for a blocking `execute`/`spawn`, as the table in the module header
/// says. `Ok(true)`: a slot is held. `Ok(false)`: no slot, but the caller is a worker of
/// this pool with nothing queued to run, so it must run the job inline. `Err(())`: the
/// pool shut down while the caller waited.
pub(crate) fn acquire_or_help(pool: &ThreadPool, capacity: &Capacity) -> Result<bool, ()> {
    let registry = pool.registry();
    let Some(worker) = crate::worker::WorkerThread::current_of(registry) else {
        return capacity::acquire_blocking(capacity)
            .map(|()| true)
            .map_err(|_| ());
    };
    loop {
        if capacity.try_acquire() {
            return Ok(true);
        }
        if capacity.is_closed() {
            return Err(());
        }
        match worker.find_work() {
            Some(job) => worker.execute(job),
            None => return Ok(false),
        }
    }
}

/// The future of [`ThreadPool::spawn_async`]: waits for room without blocking, then
/// spawns `f` and resolves to its [`JobHandle`]. After shutdown it resolves to a
/// rejected handle. Dropping it before it resolved drops `f` unrun (and passes on a
/// wake it may have received, so no other waiter misses a slot).
#[must_use = "futures do nothing unless polled; the job is submitted by the poll that finds room"]
pub struct SpawnAsync<'a, F, T> {
    pool: &'a ThreadPool,
    f: Option<F>,
    ticket: Option<Ticket>,
    _result: std::marker::PhantomData<fn() -> T>,
}

impl<'a, F, T> SpawnAsync<'a, F, T> {
    pub(crate) fn new(pool: &'a ThreadPool, f: F) -> Self {
        SpawnAsync {
            pool,
            f: Some(f),
            ticket: None,
            _result: std::marker::PhantomData,
        }
    }
}

// `f` is moved out by value, never pinned in place: no structural pinning.
impl<F, T> Unpin for SpawnAsync<'_, F, T> {}

impl<F, T> Future for SpawnAsync<'_, F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    type Output = JobHandle<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<JobHandle<T>> {
        let this = self.get_mut();
        let f = this.f.take().expect("SpawnAsync polled after it resolved");
        let Some(capacity) = this.pool.capacity() else {
            return Poll::Ready(this.pool.spawn(f));
        };
        let acquired = match this.ticket {
            // Still in the list: not woken yet, keep waiting with the latest waker.
            Some(ticket) if capacity.refresh(ticket, cx.waker()) => {
                this.f = Some(f);
                return Poll::Pending;
            }
            // Woken (or first poll): try, then register.
            _ => {
                this.ticket = None;
                if capacity.try_acquire() {
                    Ok(true)
                } else {
                    match capacity.register(cx.waker()) {
                        Ok(Registered::Acquired) => Ok(true),
                        Ok(Registered::Waiting(ticket)) => {
                            this.ticket = Some(ticket);
                            this.f = Some(f);
                            return Poll::Pending;
                        }
                        Err(_closed) => Err(()),
                    }
                }
            }
        };
        Poll::Ready(this.pool.spawn_with_slot(f, acquired.is_ok()))
    }
}

impl<F, T> Drop for SpawnAsync<'_, F, T> {
    fn drop(&mut self) {
        if let (Some(ticket), Some(capacity)) = (self.ticket, self.pool.capacity()) {
            capacity.pass_on(ticket);
        }
    }
}

impl<F, T> fmt::Debug for SpawnAsync<'_, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnAsync")
            .field("waiting", &self.ticket.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use crate::{BuildError, Full, ThreadPool};
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, mpsc};
    use std::task::{Context, Poll, Wake, Waker};
    use std::time::Duration;

    /// Runs `f` on a thread and fails the test if it has not returned within 20 s (a
    /// deadlock would otherwise hang the suite).
    fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(20))
            .expect("watchdog: the test did not finish in 20 s (deadlock?)")
    }

    /// A one-thread pool with `capacity` slots whose worker is held inside a job until
    /// the returned sender is dropped, and whose queue is then filled.
    fn held_full_pool(capacity: usize) -> (Arc<ThreadPool>, mpsc::Sender<()>, Arc<AtomicUsize>) {
        let pool = Arc::new(
            ThreadPool::builder()
                .threads(1)
                .queue_capacity(capacity)
                .build()
                .unwrap(),
        );
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = mpsc::channel::<()>();
        pool.execute(move || {
            started_tx.send(()).unwrap();
            let _ = gate_rx.recv();
        })
        .unwrap();
        started_rx.recv().unwrap(); // the worker runs the gate job: its slot is free
        let filled = Arc::new(AtomicUsize::new(0));
        for _ in 0..capacity {
            let filled = filled.clone();
            pool.execute(move || {
                filled.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        (pool, gate_tx, filled)
    }

    fn waiting(pool: &ThreadPool) -> usize {
        pool.capacity().unwrap().waiting()
    }

    /// Counts its drops, to check that a closure is dropped exactly once.
    struct Drops(Arc<AtomicUsize>);
    impl Drop for Drops {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn queue_capacity_zero_is_an_invalid_input_error() {
        let err = ThreadPool::builder()
            .threads(1)
            .queue_capacity(0)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                BuildError::InvalidInput {
                    setting: "queue_capacity",
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }

    /// A spawn on a full queue from outside the pool parks (it is in the wait list and
    /// has not returned) until the worker starts a queued job; then it proceeds, its job
    /// runs after the ones that filled the queue, and the stats count the time blocked.
    #[test]
    fn blocking_spawn_waits_until_a_queued_job_starts() {
        bounded(|| {
            let (pool, gate, filled) = held_full_pool(2);
            let returned = Arc::new(AtomicBool::new(false));
            let spawner = {
                let (pool, filled, returned) = (pool.clone(), filled.clone(), returned.clone());
                std::thread::spawn(move || {
                    let handle = pool.spawn(move || filled.load(Ordering::SeqCst));
                    returned.store(true, Ordering::SeqCst);
                    handle.join().unwrap()
                })
            };
            while waiting(&pool) == 0 {
                std::thread::yield_now();
            }
            assert!(
                !returned.load(Ordering::SeqCst),
                "spawn returned on a full queue"
            );
            assert_eq!(filled.load(Ordering::SeqCst), 0);
            drop(gate);
            // The queue is FIFO and the spawn got its slot only after a job started.
            assert_eq!(spawner.join().unwrap(), 2);
            let stats = pool.stats();
            assert!(stats.blocked > Duration::ZERO, "{stats}");
            assert_eq!(stats.rejected, 0, "{stats}");
            assert_eq!(stats.queue_capacity, Some(2));
            assert!(stats.to_string().contains("queue capacity 2"), "{stats}");
        });
    }

    /// `try_spawn`/`try_execute` on a full queue hand the very closure back (it still
    /// owns its captures, and has not run), count one rejection each, and succeed once
    /// room frees.
    #[test]
    fn try_spawn_hands_the_job_back_unchanged_and_counts_a_rejection() {
        bounded(|| {
            let (pool, gate, filled) = held_full_pool(1);
            let drops = Arc::new(AtomicUsize::new(0));
            let token = Drops(drops.clone());
            let full = pool.try_spawn(move || {
                let _keep = &token;
                7
            });
            let Err(full) = full else {
                panic!("try_spawn queued past the bound")
            };
            assert!(full.to_string().contains("queue is full"), "{full}");
            assert_eq!(format!("{full:?}"), "Full(..)");
            let f = full.into_inner();
            assert_eq!(drops.load(Ordering::SeqCst), 0, "the captures were dropped");
            assert_eq!(f(), 7);
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            assert!(matches!(pool.try_execute(|| ()), Err(Full(_))));
            assert_eq!(pool.stats().rejected, 2);
            drop(gate);
            // Room frees as the worker starts the queued job.
            let handle = loop {
                match pool.try_spawn(|| 8) {
                    Ok(h) => break h,
                    Err(_) => std::thread::yield_now(),
                }
            };
            assert_eq!(handle.join().unwrap(), 8);
            assert_eq!(filled.load(Ordering::SeqCst), 1);
        });
    }

    /// A job on a one-thread pool of capacity 2 spawns 50 jobs and joins them: the
    /// worker cannot wait for room only it can make, so it runs queued jobs (or the new
    /// one inline) instead. Every job runs exactly once.
    #[test]
    fn in_pool_spawn_on_a_full_queue_runs_jobs_instead_of_deadlocking() {
        bounded(|| {
            let pool = Arc::new(
                ThreadPool::builder()
                    .threads(1)
                    .queue_capacity(2)
                    .build()
                    .unwrap(),
            );
            let ran = Arc::new(AtomicUsize::new(0));
            let outer = {
                let (pool2, ran) = (pool.clone(), ran.clone());
                pool.spawn(move || {
                    let handles: Vec<_> = (0..50)
                        .map(|i| {
                            let ran = ran.clone();
                            pool2.spawn(move || {
                                ran.fetch_add(1, Ordering::SeqCst);
                                i
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().unwrap())
                        .sum::<usize>()
                })
            };
            assert_eq!(outer.join().unwrap(), (0..50).sum::<usize>());
            assert_eq!(ran.load(Ordering::SeqCst), 50);
            assert_eq!(pool.stats().queued, 0);
        });
    }

    struct Flag {
        woken: AtomicUsize,
        thread: std::thread::Thread,
    }
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.woken.fetch_add(1, Ordering::SeqCst);
            self.thread.unpark();
        }
    }

    /// `spawn_async` on a full queue is `Pending` (and submits nothing), is woken once
    /// when the worker starts a queued job, and then resolves to a working handle.
    #[test]
    fn spawn_async_resolves_once_room_frees() {
        bounded(|| {
            let (pool, gate, _filled) = held_full_pool(1);
            let flag = Arc::new(Flag {
                woken: AtomicUsize::new(0),
                thread: std::thread::current(),
            });
            let waker = Waker::from(flag.clone());
            let mut cx = Context::from_waker(&waker);
            let mut fut = pool.spawn_async(|| 5);
            assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
            assert!(
                Pin::new(&mut fut).poll(&mut cx).is_pending(),
                "a re-poll is still pending"
            );
            assert_eq!(pool.stats().queued, 1);
            assert_eq!(flag.woken.load(Ordering::SeqCst), 0);
            drop(gate);
            while flag.woken.load(Ordering::SeqCst) == 0 {
                std::thread::park();
            }
            let Poll::Ready(handle) = Pin::new(&mut fut).poll(&mut cx) else {
                panic!("woken for room, but still pending");
            };
            assert_eq!(handle.join().unwrap(), 5);
            assert_eq!(
                flag.woken.load(Ordering::SeqCst),
                1,
                "woken twice for one slot"
            );
        });
    }

    /// A `spawn_async` future dropped after it was woken passes the wake on: the next
    /// waiter (a second future) is woken for the same slot.
    #[test]
    fn a_dropped_woken_spawn_async_passes_its_wake_on() {
        bounded(|| {
            let (pool, gate, _filled) = held_full_pool(1);
            let flags: Vec<_> = (0..2)
                .map(|_| {
                    Arc::new(Flag {
                        woken: AtomicUsize::new(0),
                        thread: std::thread::current(),
                    })
                })
                .collect();
            let wakers: Vec<_> = flags.iter().map(|f| Waker::from(f.clone())).collect();
            let mut first = pool.spawn_async(|| 1);
            let mut second = pool.spawn_async(|| 2);
            assert!(
                Pin::new(&mut first)
                    .poll(&mut Context::from_waker(&wakers[0]))
                    .is_pending()
            );
            assert!(
                Pin::new(&mut second)
                    .poll(&mut Context::from_waker(&wakers[1]))
                    .is_pending()
            );
            drop(gate);
            while flags[0].woken.load(Ordering::SeqCst) == 0 {
                std::thread::park();
            }
            assert_eq!(
                flags[1].woken.load(Ordering::SeqCst),
                0,
                "FIFO: the first waits longest"
            );
            drop(first);
            assert_eq!(
                flags[1].woken.load(Ordering::SeqCst),
                1,
                "the wake was swallowed"
            );
            let Poll::Ready(h) = Pin::new(&mut second).poll(&mut Context::from_waker(&wakers[1]))
            else {
                panic!("the second future did not get the passed-on slot");
            };
            assert_eq!(h.join().unwrap(), 2);
        });
    }

    /// Shutting a bounded pool down while a spawner is blocked and a future pending:
    /// both are released with rejected jobs (dropped once, never run), and every job
    /// admitted before runs exactly once.
    #[test]
    fn shutdown_releases_blocked_spawners_and_runs_every_admitted_job_once() {
        bounded(|| {
            let (pool, gate, filled) = held_full_pool(1);
            let drops = Arc::new(AtomicUsize::new(0));
            let ran = Arc::new(AtomicUsize::new(0));
            let spawner = {
                let (pool, drops, ran) = (pool.clone(), drops.clone(), ran.clone());
                std::thread::spawn(move || {
                    let token = Drops(drops);
                    pool.spawn(move || {
                        let _keep = &token;
                        ran.fetch_add(1, Ordering::SeqCst);
                    })
                    .join()
                })
            };
            let flag = Arc::new(Flag {
                woken: AtomicUsize::new(0),
                thread: std::thread::current(),
            });
            let waker = Waker::from(flag.clone());
            let mut fut = pool.spawn_async(|| 9);
            assert!(
                Pin::new(&mut fut)
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            while waiting(&pool) < 2 {
                std::thread::yield_now();
            }
            let shutdown = {
                let pool = pool.clone();
                std::thread::spawn(move || pool.shutdown())
            };
            let result = spawner.join().unwrap();
            assert!(result.unwrap_err().is_rejected());
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            while flag.woken.load(Ordering::SeqCst) == 0 {
                std::thread::park();
            }
            let Poll::Ready(h) = Pin::new(&mut fut).poll(&mut Context::from_waker(&waker)) else {
                panic!("a pending spawn_async was not released by shutdown");
            };
            assert!(h.join().unwrap_err().is_rejected());
            drop(gate);
            shutdown.join().unwrap();
            assert_eq!(filled.load(Ordering::SeqCst), 1, "an admitted job was lost");
            assert_eq!(ran.load(Ordering::SeqCst), 0);
        });
    }

    /// Without a capacity nothing changes: try_* always queue, stats show no bound.
    #[test]
    fn unbounded_pool_try_spawn_always_queues() {
        let pool = ThreadPool::new(1).unwrap();
        let handles: Vec<_> = (0..100)
            .map(|i| pool.try_spawn(move || i).unwrap())
            .collect();
        assert_eq!(
            handles.into_iter().map(|h| h.join().unwrap()).sum::<i32>(),
            4950
        );
        assert!(pool.try_execute(|| ()).unwrap().is_ok());
        let stats = pool.stats();
        assert_eq!((stats.queue_capacity, stats.rejected), (None, 0));
        assert!(!stats.to_string().contains("queue capacity"));
    }
}
