//! `JobHandle` as a `Future` on a foreign executor, waker replacement, and detaching.

use spindle_pool::ThreadPool;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// A waker that unparks a thread and counts its wakes.
struct ParkWaker {
    thread: Thread,
    wakes: AtomicUsize,
}

impl Wake for ParkWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// The smallest executor: poll, park until woken, repeat. Returns the output, the
/// number of polls and the number of wakes.
fn block_on<F: Future>(fut: F) -> (F::Output, usize, usize) {
    let state = Arc::new(ParkWaker {
        thread: thread::current(),
        wakes: AtomicUsize::new(0),
    });
    let waker = Waker::from(state.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return (out, polls, state.wakes.load(Ordering::SeqCst));
        }
        thread::park();
    }
}

#[test]
fn job_handle_awaited_from_a_minimal_executor() {
    let pool = ThreadPool::new(2).unwrap();
    let (tx, rx) = mpsc::channel::<u32>();
    let handle = pool.spawn(move || rx.recv().unwrap() * 2);
    let sender = thread::spawn(move || tx.send(21).unwrap());
    let (out, polls, wakes) = block_on(handle);
    sender.join().unwrap();
    assert_eq!(out.unwrap(), 42);
    // Either it was ready on the first poll, or it was woken exactly once.
    assert!(
        polls == 1 || (polls >= 2 && wakes == 1),
        "polls {polls} wakes {wakes}"
    );
}

#[test]
fn latest_waker_is_the_one_woken() {
    let pool = ThreadPool::new(1).unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let mut handle = pool.spawn(move || rx.recv().unwrap());
    let first = Arc::new(ParkWaker {
        thread: thread::current(),
        wakes: AtomicUsize::new(0),
    });
    let second = Arc::new(ParkWaker {
        thread: thread::current(),
        wakes: AtomicUsize::new(0),
    });
    let w1 = Waker::from(first.clone());
    let w2 = Waker::from(second.clone());
    // The job is blocked on `rx`, so both polls are Pending.
    assert!(
        std::pin::Pin::new(&mut handle)
            .poll(&mut Context::from_waker(&w1))
            .is_pending()
    );
    assert!(
        std::pin::Pin::new(&mut handle)
            .poll(&mut Context::from_waker(&w2))
            .is_pending()
    );
    tx.send(()).unwrap();
    while second.wakes.load(Ordering::SeqCst) == 0 {
        thread::park();
    }
    assert_eq!(first.wakes.load(Ordering::SeqCst), 0);
    assert_eq!(second.wakes.load(Ordering::SeqCst), 1);
    assert!(handle.is_finished());
    let poll = std::pin::Pin::new(&mut handle).poll(&mut Context::from_waker(&w2));
    assert!(matches!(poll, Poll::Ready(Ok(()))));
}

#[test]
fn job_handle_dropped_before_completion_is_fine() {
    let pool = ThreadPool::new(2).unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let ran = Arc::new(AtomicUsize::new(0));
    let result_drops = Arc::new(AtomicUsize::new(0));
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let handle = {
        let (ran, result_drops) = (ran.clone(), result_drops.clone());
        pool.spawn(move || {
            rx.recv().unwrap();
            ran.fetch_add(1, Ordering::SeqCst);
            Counted(result_drops)
        })
    };
    drop(handle);
    tx.send(()).unwrap();
    pool.shutdown();
    assert_eq!(ran.load(Ordering::SeqCst), 1, "the detached job still ran");
    assert_eq!(
        result_drops.load(Ordering::SeqCst),
        1,
        "its result was dropped once"
    );
}
