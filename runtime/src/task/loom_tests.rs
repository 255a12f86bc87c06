//! Loom models of the task state machine: every interleaving of two threads acting on
//! one task (run with the loom command in `.ci/run`; names contain `loom`).
//!
//! Each model checks the properties of the task module's rules: a wake is never lost,
//! a task is never queued twice, the future and the output are dropped exactly once,
//! the JoinHandle's waker is woken if it saw `Pending`, and the cell is freed (its
//! scheduler `Arc` comes back to one owner).

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll, Wake, Waker};

use super::list::OwnedTasks;
use super::*;
use crate::loom::sync::atomic::AtomicBool;
use crate::loom::sync::{Arc, Mutex};
use crate::loom::thread;

struct Sched {
    queue: Mutex<VecDeque<Notified>>,
    owned: OwnedTasks,
}

#[derive(Clone)]
struct S(Arc<Sched>);

impl Schedule for S {
    fn schedule(&self, task: Notified) {
        let mut q = self.0.queue.lock().unwrap();
        assert!(q.iter().all(|t| t.0 != task.0), "a task was queued twice");
        q.push_back(task);
    }
    fn release(&self, task: RawTask) -> bool {
        self.0.owned.remove(task)
    }
}

impl S {
    fn new() -> S {
        S(Arc::new(Sched {
            queue: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(1),
        }))
    }
    fn spawn<F: Future + Send + 'static>(&self, f: F) -> JoinHandle<F::Output> {
        let (n, j, raw) = new_task(f, self.clone());
        assert!(self.0.owned.bind(raw));
        self.schedule(n);
        j
    }
    fn run_all(&self) {
        loop {
            let t = self.0.queue.lock().unwrap().pop_front();
            match t {
                Some(t) => {
                    t.run();
                }
                None => return,
            }
        }
    }
    /// True when every task cell has been freed (each holds one clone of the Arc).
    fn all_freed(&self) -> bool {
        Arc::strong_count(&self.0) == 1
    }
}

/// Counts drops (std atomics: these are observations, not part of the protocol).
struct Drops(std::sync::Arc<AtomicUsize>);
impl Drop for Drops {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Pending until `flag` is set; stores its waker where another thread can take it.
fn wait_for_flag(
    flag: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<Waker>>>,
) -> impl Future<Output = ()> + Send + 'static {
    poll_fn(move |cx| {
        *slot.lock().unwrap() = Some(cx.waker().clone());
        if flag.load(SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
}

#[test]
fn loom_wake_vs_poll_is_never_lost() {
    loom::model(|| {
        let s = S::new();
        let flag = Arc::new(AtomicBool::new(false));
        let slot = Arc::new(Mutex::new(None));
        let j = s.spawn(wait_for_flag(flag.clone(), slot.clone()));
        s.run_all(); // first poll: Pending, waker stored
        let w = slot.lock().unwrap().clone().unwrap();
        w.wake_by_ref(); // queued again
        let t = thread::spawn(move || {
            flag.store(true, SeqCst);
            w.wake(); // may land before, during or after the poll below
        });
        s.run_all();
        t.join().unwrap();
        s.run_all();
        assert!(j.is_finished(), "a wake was lost");
        drop(j);
        slot.lock().unwrap().take();
        assert!(s.all_freed());
    });
}

#[test]
fn loom_abort_vs_poll() {
    loom::model(|| {
        let s = S::new();
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let d = Drops(drops.clone());
        let mut j = s.spawn(async move {
            let _d = d;
            yield_now().await;
            8
        });
        let abort = j.abort_handle();
        // Abort races with the first poll, the requeue after the yield and the last poll.
        let t = thread::spawn(move || abort.abort());
        s.run_all();
        t.join().unwrap();
        s.run_all();
        match poll_once(&mut j) {
            Poll::Ready(Ok(8)) => {}
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(drops.load(SeqCst), 1, "the future is dropped exactly once");
        drop(j);
        assert!(s.all_freed());
    });
}

#[test]
fn loom_join_handle_drop_vs_completion() {
    loom::model(|| {
        let s = S::new();
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let d = drops.clone();
        let mut j = s.spawn(async move { Drops(d) });
        // Register a join waker first, so the JOIN_WAKER hand-over is exercised.
        assert!(poll_once(&mut j).is_pending());
        let t = thread::spawn(move || drop(j));
        s.run_all();
        t.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1, "the output is dropped exactly once");
        assert!(s.all_freed());
    });
}

#[test]
fn loom_join_waker_is_woken_if_join_saw_pending() {
    loom::model(|| {
        let s = S::new();
        let mut j = s.spawn(async { 1 });
        let woken = std::sync::Arc::new(CountWake::default());
        let w2 = woken.clone();
        let t = thread::spawn(move || {
            let waker = Waker::from(w2);
            let r = Pin::new(&mut j).poll(&mut Context::from_waker(&waker));
            (r.is_pending(), j)
        });
        s.run_all();
        let (was_pending, mut j) = t.join().unwrap();
        if was_pending {
            assert_eq!(
                woken.0.load(SeqCst),
                1,
                "JoinHandle saw Pending but was never woken"
            );
            assert!(matches!(poll_once(&mut j), Poll::Ready(Ok(1))));
        }
        drop(j);
        assert!(s.all_freed());
    });
}

#[test]
fn loom_wake_from_another_thread_while_completing() {
    loom::model(|| {
        let s = S::new();
        let stash = Arc::new(Mutex::new(None::<Waker>));
        let st = stash.clone();
        // First poll: stash a waker for thread B and wake itself; second poll: done.
        let mut first = true;
        let j = s.spawn(poll_fn(move |cx| {
            if std::mem::take(&mut first) {
                *st.lock().unwrap() = Some(cx.waker().clone());
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(())
        }));
        drop(j); // detached: the runtime drops the output
        s.run_all_once_each();
        let w = stash.lock().unwrap().take().unwrap();
        // B's wake races with the completing poll (queued, running, or complete).
        let t = thread::spawn(move || w.wake());
        s.run_all();
        t.join().unwrap();
        s.run_all();
        assert!(s.all_freed(), "a task cell leaked");
    });
}

impl S {
    /// Runs only the tasks queued right now (not the ones they requeue).
    fn run_all_once_each(&self) {
        let n = self.0.queue.lock().unwrap().len();
        for _ in 0..n {
            let t = self.0.queue.lock().unwrap().pop_front();
            if let Some(t) = t {
                t.run();
            }
        }
    }
}

#[derive(Default)]
struct CountWake(AtomicUsize);
impl Wake for CountWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_once<T>(j: &mut JoinHandle<T>) -> Poll<Result<T, JoinError>> {
    Pin::new(j).poll(&mut Context::from_waker(Waker::noop()))
}

/// The one bind-or-cancel (`bind_new`, used by every scheduler's spawn) racing with
/// shutdown closing the owned list: the task is either bound (then shutdown cancels it,
/// or it is queued and run) or refused and cancelled at once. Either way its future is
/// dropped exactly once, its JoinHandle reports the output or a cancellation, and the
/// cell is freed.
#[test]
fn loom_bind_racing_shutdown_cancels_or_runs() {
    loom::model(|| {
        let s = S::new();
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let d = Drops(drops.clone());
        let spawner = {
            let s = s.clone();
            thread::spawn(move || {
                let (j, notified) = bind_new(&s.0.owned, async move { drop(d) }, s.clone());
                if let Some(n) = notified {
                    s.schedule(n);
                }
                j
            })
        };
        s.0.owned.close_and_shutdown_all();
        let mut j = spawner.join().unwrap();
        s.run_all();
        match poll_once(&mut j) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(drops.load(SeqCst), 1, "the future is dropped exactly once");
        assert_eq!(
            s.0.owned.len(),
            0,
            "a task outlived the shutdown in the owned list"
        );
        drop(j);
        assert!(s.all_freed());
    });
}
