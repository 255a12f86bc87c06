//! Tests of `oneshot`: send and receive, closing from either side, and the waker
//! hand-over counted with counting wakers.

use super::*;
use crate::sync::test_support::{CountingWaker, block_on, poll_once};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

#[test]
fn blocking_recv_waits_for_another_thread() {
    let (tx, rx) = channel();
    let t = thread::spawn(move || tx.send(11).unwrap());
    assert_eq!(rx.blocking_recv(), Ok(11));
    t.join().unwrap();
}

#[test]
fn send_then_receive() {
    let (tx, rx) = channel();
    assert_eq!(tx.send("hi"), Ok(()));
    assert_eq!(block_on(rx), Ok("hi"));
}

#[test]
fn receive_waits_for_a_send_on_another_thread() {
    for _ in 0..crate::sync::test_support::iterations(200) {
        let (tx, rx) = channel();
        let t = thread::spawn(move || tx.send(5u64).unwrap());
        assert_eq!(block_on(rx), Ok(5));
        t.join().unwrap();
    }
}

#[test]
fn pending_receiver_is_woken_exactly_once_by_send() {
    let (tx, mut rx) = channel();
    let (count, waker) = CountingWaker::new();
    assert!(poll_once(&mut rx, &waker).is_pending());
    assert!(
        poll_once(&mut rx, &waker).is_pending(),
        "a re-poll stays pending"
    );
    assert_eq!(count.wakes(), 0);
    tx.send(1).unwrap();
    assert_eq!(count.wakes(), 1);
    assert_eq!(poll_once(&mut rx, &waker), Poll::Ready(Ok(1)));
}

#[test]
fn only_the_latest_waker_is_woken() {
    let (tx, mut rx) = channel::<()>();
    let (old, old_waker) = CountingWaker::new();
    let (new, new_waker) = CountingWaker::new();
    assert!(poll_once(&mut rx, &old_waker).is_pending());
    assert!(poll_once(&mut rx, &new_waker).is_pending());
    drop(tx);
    assert_eq!((old.wakes(), new.wakes()), (0, 1));
    assert_eq!(
        poll_once(&mut rx, &new_waker),
        Poll::Ready(Err(RecvError(())))
    );
}

#[test]
fn dropped_sender_closes_the_receiver() {
    let (tx, mut rx) = channel::<u8>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.is_terminated());
}

#[test]
fn send_to_a_dropped_receiver_returns_the_value() {
    let (tx, rx) = channel();
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(String::from("back")), Err(String::from("back")));
}

#[test]
fn close_keeps_a_value_already_sent() {
    let (tx, mut rx) = channel();
    tx.send(3).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn close_makes_send_fail() {
    let (tx, mut rx) = channel();
    rx.close();
    assert_eq!(tx.send(9), Err(9));
    assert_eq!(block_on(&mut rx), Err(RecvError(())));
}

#[test]
fn sender_closed_resolves_when_receiver_drops() {
    let (mut tx, rx) = channel::<()>();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    assert!(tx.poll_closed(&mut cx).is_pending());
    drop(rx);
    assert_eq!(count.wakes(), 1);
    assert!(tx.poll_closed(&mut cx).is_ready());
}

struct DropCounter<'a>(&'a AtomicUsize);
impl Drop for DropCounter<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn an_unreceived_value_is_dropped_exactly_once() {
    let drops = AtomicUsize::new(0);
    let (tx, rx) = channel();
    assert!(tx.send(DropCounter(&drops)).is_ok());
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn exhausted_budget_makes_the_receiver_yield() {
    let (tx, mut rx) = channel();
    tx.send(1).unwrap();
    let (count, waker) = CountingWaker::new();
    crate::coop::with_budget(|| {
        let mut cx = Context::from_waker(&waker);
        // Spend the whole budget.
        for _ in 0..crate::coop::BUDGET {
            let Poll::Ready(mut g) = crate::coop::poll_proceed(&mut cx) else {
                panic!()
            };
            g.made_progress();
        }
        assert!(poll_once(&mut rx, &waker).is_pending());
        assert_eq!(count.wakes(), 1, "the receiver yields by waking itself");
    });
    assert_eq!(poll_once(&mut rx, &waker), Poll::Ready(Ok(1)));
}
