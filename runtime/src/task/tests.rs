//! Unit tests of the task cell against a counting test scheduler (also run under Miri).
#![allow(clippy::waker_clone_wake)] // waking by value is what these tests exercise

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use super::list::OwnedTasks;
use super::*;

/// A scheduler that queues Notifieds in a VecDeque and counts schedules.
struct TestSched {
    queue: Mutex<VecDeque<Notified>>,
    owned: OwnedTasks,
    schedules: AtomicUsize,
}

#[derive(Clone)]
struct Sched(Arc<TestSched>);

impl Schedule for Sched {
    fn schedule(&self, task: Notified) {
        self.0.schedules.fetch_add(1, SeqCst);
        self.0.queue.lock().unwrap().push_back(task);
    }
    fn release(&self, task: RawTask) -> bool {
        self.0.owned.remove(task)
    }
}

impl Sched {
    fn new() -> Sched {
        Sched(Arc::new(TestSched {
            queue: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(4),
            schedules: AtomicUsize::new(0),
        }))
    }
    fn spawn<F: Future + Send + 'static>(&self, f: F) -> JoinHandle<F::Output> {
        let (notified, join, raw) = new_task(f, self.clone());
        assert!(self.0.owned.bind(raw));
        self.schedule(notified);
        join
    }
    /// Runs queued tasks until the queue is empty; returns how many were run.
    fn run_all(&self) -> usize {
        let mut n = 0;
        loop {
            let Some(t) = self.0.queue.lock().unwrap().pop_front() else {
                return n;
            };
            t.run();
            n += 1;
        }
    }
    fn queued(&self) -> usize {
        self.0.queue.lock().unwrap().len()
    }
}

/// Counts how often it is dropped.
struct DropCount(Arc<AtomicUsize>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A future that counts its polls, stashes its waker and completes after `n` polls.
struct Counted {
    polls: Arc<AtomicUsize>,
    waker: Arc<Mutex<Option<Waker>>>,
    ready_after: usize,
    _drop: DropCount,
}

impl Future for Counted {
    type Output = usize;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let n = self.polls.fetch_add(1, SeqCst) + 1;
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if n >= self.ready_after {
            Poll::Ready(n)
        } else {
            Poll::Pending
        }
    }
}

struct Probe {
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
    waker: Arc<Mutex<Option<Waker>>>,
}

fn counted(ready_after: usize) -> (Counted, Probe) {
    let p = Probe {
        polls: Arc::default(),
        drops: Arc::default(),
        waker: Arc::default(),
    };
    let f = Counted {
        polls: p.polls.clone(),
        waker: p.waker.clone(),
        ready_after,
        _drop: DropCount(p.drops.clone()),
    };
    (f, p)
}

/// A waker that counts wakes (for the JoinHandle side).
#[derive(Default)]
struct CountWaker(AtomicUsize);
impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_join<T>(j: &mut JoinHandle<T>, w: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(j).poll(&mut Context::from_waker(w))
}

#[test]
fn runs_to_completion_and_join_reads_output() {
    let s = Sched::new();
    let mut j = s.spawn(async { 40 + 2 });
    assert_eq!(s.run_all(), 1);
    assert!(j.is_finished());
    let Poll::Ready(Ok(v)) = poll_join(&mut j, Waker::noop()) else {
        panic!()
    };
    assert_eq!(v, 42);
    assert_eq!(s.0.owned.len(), 0);
}

#[test]
fn join_waker_is_woken_on_completion() {
    let s = Sched::new();
    let (f, p) = counted(2);
    let mut j = s.spawn(f);
    let cw = Arc::new(CountWaker::default());
    let w = Waker::from(cw.clone());
    assert!(poll_join(&mut j, &w).is_pending());
    assert!(poll_join(&mut j, &w).is_pending(), "same waker: no change");
    s.run_all();
    assert_eq!(cw.0.load(SeqCst), 0);
    p.waker.lock().unwrap().take().unwrap().wake();
    s.run_all();
    assert_eq!(cw.0.load(SeqCst), 1);
    assert!(matches!(poll_join(&mut j, &w), Poll::Ready(Ok(2))));
}

#[test]
fn wake_while_running_polls_exactly_once_more() {
    let s = Sched::new();
    let polls = Arc::new(AtomicUsize::new(0));
    let p2 = polls.clone();
    // Wakes itself twice during its first poll.
    let j = s.spawn(std::future::poll_fn(move |cx| {
        if p2.fetch_add(1, SeqCst) == 0 {
            cx.waker().wake_by_ref();
            cx.waker().clone().wake();
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }));
    assert_eq!(s.run_all(), 2, "one re-poll for two wakes during the poll");
    assert_eq!(polls.load(SeqCst), 2);
    assert_eq!(s.0.schedules.load(SeqCst), 2, "spawn + one requeue");
    drop(j);
}

#[test]
fn wakes_of_an_idle_task_queue_it_once() {
    let s = Sched::new();
    let (f, p) = counted(usize::MAX);
    let j = s.spawn(f);
    s.run_all();
    let w = p.waker.lock().unwrap().clone().unwrap();
    for _ in 0..3 {
        w.wake_by_ref();
    }
    w.clone().wake();
    assert_eq!(s.queued(), 1);
    s.run_all();
    assert_eq!(p.polls.load(SeqCst), 2);
    drop((w, j));
    s.0.owned.close_and_shutdown_all();
    assert_eq!(p.drops.load(SeqCst), 1);
}

#[test]
fn abort_idle_task_drops_future_once() {
    let s = Sched::new();
    let (f, p) = counted(usize::MAX);
    let mut j = s.spawn(f);
    s.run_all();
    j.abort();
    j.abort();
    assert_eq!(s.queued(), 1);
    s.run_all();
    assert_eq!(p.drops.load(SeqCst), 1);
    assert_eq!(p.polls.load(SeqCst), 1, "an aborted task is not polled");
    let Poll::Ready(Err(e)) = poll_join(&mut j, Waker::noop()) else {
        panic!()
    };
    assert!(e.is_cancelled() && !e.is_panic());
    assert_eq!(e.to_string(), "task was cancelled");
}

#[test]
fn abort_while_queued_and_while_running() {
    let s = Sched::new();
    let (f, p) = counted(usize::MAX);
    let j = s.spawn(f);
    j.abort(); // still queued from spawn
    assert_eq!(s.run_all(), 1);
    assert_eq!((p.polls.load(SeqCst), p.drops.load(SeqCst)), (0, 1));

    let polls = Arc::new(AtomicUsize::new(0));
    let handle: Arc<Mutex<Option<AbortHandle>>> = Arc::default();
    let (p2, h2) = (polls.clone(), handle.clone());
    let mut j = s.spawn(std::future::poll_fn(move |_| {
        p2.fetch_add(1, SeqCst);
        h2.lock().unwrap().as_ref().unwrap().abort();
        Poll::<()>::Pending
    }));
    *handle.lock().unwrap() = Some(j.abort_handle());
    s.run_all();
    assert_eq!(polls.load(SeqCst), 1);
    assert!(j.is_finished());
    let Poll::Ready(Err(e)) = poll_join(&mut j, Waker::noop()) else {
        panic!()
    };
    assert!(e.is_cancelled());
}

#[test]
fn abort_after_completion_is_a_no_op() {
    let s = Sched::new();
    let mut j = s.spawn(async { 7 });
    s.run_all();
    j.abort();
    j.abort_handle().abort();
    assert_eq!(s.queued(), 0);
    assert!(matches!(
        poll_join(&mut j, Waker::noop()),
        Poll::Ready(Ok(7))
    ));
}

#[test]
fn panic_becomes_join_error() {
    let s = Sched::new();
    let mut j = s.spawn(async { panic!("boom") });
    s.run_all();
    let Poll::Ready(Err(e)) = poll_join(&mut j, Waker::noop()) else {
        panic!()
    };
    assert!(e.is_panic());
    assert!(e.to_string().contains("boom"));
    assert_eq!(*e.into_panic().downcast::<&str>().unwrap(), "boom");
}

#[test]
fn dropped_join_handle_lets_runtime_drop_output() {
    let s = Sched::new();
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    drop(s.spawn(async move { DropCount(d) })); // fast path
    s.run_all();
    assert_eq!(drops.load(SeqCst), 1);

    let d = drops.clone();
    let j = s.spawn(async move { DropCount(d) });
    s.run_all();
    assert_eq!(drops.load(SeqCst), 1, "output kept for the JoinHandle");
    drop(j); // slow path: drops the output
    assert_eq!(drops.load(SeqCst), 2);
}

#[test]
fn shutdown_cancels_idle_and_queued_tasks_and_frees_them() {
    let s = Sched::new();
    let shared = Arc::new(());
    let n = if cfg!(miri) { 10 } else { 200 };
    let mut joins = Vec::new();
    let mut probes = Vec::new();
    for i in 0..n {
        let (f, p) = counted(usize::MAX);
        let sh = shared.clone();
        joins.push(s.spawn(async move {
            let _sh = sh;
            f.await
        }));
        probes.push(p);
        if i % 2 == 0 {
            s.run_all(); // half idle, half still queued
        }
    }
    s.0.owned.close_and_shutdown_all();
    for p in &probes {
        assert_eq!(p.drops.load(SeqCst), 1);
    }
    // Late wakes are harmless: the tasks are complete.
    for p in &probes {
        if let Some(w) = p.waker.lock().unwrap().take() {
            w.wake();
        }
    }
    s.0.queue.lock().unwrap().clear();
    for mut j in joins {
        let Poll::Ready(Err(e)) = poll_join(&mut j, Waker::noop()) else {
            panic!()
        };
        assert!(e.is_cancelled());
    }
    assert_eq!(Arc::strong_count(&shared), 1);
    // Spawning after close cancels at once.
    let (notified, mut j, raw) = new_task(async { 1 }, s.clone());
    assert!(!s.0.owned.bind(raw));
    shutdown_unbound(raw);
    drop(notified);
    assert!(matches!(poll_join(&mut j, Waker::noop()), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn yield_now_requeues_once() {
    let s = Sched::new();
    let j = s.spawn(async {
        yield_now().await;
        yield_now().await;
    });
    assert_eq!(s.run_all(), 3);
    assert!(j.is_finished());
}
