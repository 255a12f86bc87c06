//! Tests of `watch`: `changed` and version tracking, skipped intermediate values, and
//! closing on both sides.

use super::*;
use crate::sync::test_support::{CountingWaker, block_on, iterations};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::thread;

fn poll<F: Future + ?Sized>(f: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(waker))
}

#[test]
fn changed_waits_for_a_new_version_and_marks_it_seen() {
    let (tx, mut rx) = channel(0);
    let (count, waker) = CountingWaker::new();
    assert_eq!(rx.has_changed(), Ok(false));
    {
        let mut changed = Box::pin(rx.changed());
        assert!(poll(changed.as_mut(), &waker).is_pending());
        tx.send(1).unwrap();
        assert_eq!(count.wakes(), 1);
        assert_eq!(poll(changed.as_mut(), &waker), Poll::Ready(Ok(())));
    }
    assert_eq!(*rx.borrow(), 1);
    assert_eq!(
        rx.has_changed(),
        Ok(false),
        "changed() marked the version seen"
    );
    let mut changed = Box::pin(rx.changed());
    assert!(poll(changed.as_mut(), &waker).is_pending());
}

#[test]
fn intermediate_values_may_be_skipped() {
    let (tx, mut rx) = channel(0);
    for i in 1..=3 {
        tx.send(i).unwrap();
    }
    block_on(rx.changed()).unwrap();
    assert_eq!(*rx.borrow_and_update(), 3);
    assert_eq!(rx.has_changed(), Ok(false));
}

#[test]
fn borrow_does_not_mark_seen_but_borrow_and_update_does() {
    let (tx, mut rx) = channel("a");
    tx.send("b").unwrap();
    assert_eq!(*rx.borrow(), "b");
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(*rx.borrow_and_update(), "b");
    assert_eq!(rx.has_changed(), Ok(false));
}

#[test]
fn send_if_modified_notifies_only_on_change() {
    let (tx, rx) = channel(5);
    assert!(!tx.send_if_modified(|v| {
        *v += 0;
        false
    }));
    assert_eq!(rx.has_changed(), Ok(false));
    tx.send_modify(|v| *v += 1);
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(tx.send_replace(10), 6);
}

#[test]
fn changed_errors_after_senders_drop_but_reports_an_unseen_value_first() {
    let (tx, mut rx) = channel(0);
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(block_on(rx.changed()), Ok(()));
    assert_eq!(block_on(rx.changed()), Err(RecvError(())));
}

#[test]
fn pending_changed_is_woken_when_the_sender_drops() {
    let (tx, mut rx) = channel(());
    let (count, waker) = CountingWaker::new();
    let mut changed = Box::pin(rx.changed());
    assert!(poll(changed.as_mut(), &waker).is_pending());
    drop(tx);
    assert_eq!(count.wakes(), 1);
    assert_eq!(
        poll(changed.as_mut(), &waker),
        Poll::Ready(Err(RecvError(())))
    );
}

#[test]
fn receiver_count_send_failure_and_closed() {
    let (tx, rx) = channel(0);
    let rx2 = rx.clone();
    let rx3 = tx.subscribe();
    assert_eq!(tx.receiver_count(), 3);
    drop((rx, rx2));
    let (count, waker) = CountingWaker::new();
    let mut closed = Box::pin(tx.closed());
    assert!(poll(closed.as_mut(), &waker).is_pending());
    drop(rx3);
    assert_eq!(count.wakes(), 1);
    assert!(poll(closed.as_mut(), &waker).is_ready());
    assert_eq!(tx.send(4).unwrap_err().0, 4);
    tx.send_replace(5);
    assert_eq!(*tx.borrow(), 5);
}

#[test]
fn a_watcher_on_another_thread_sees_the_final_value() {
    let (tx, mut rx) = channel(0usize);
    let n = iterations(1000);
    let t = thread::spawn(move || {
        let mut last = 0;
        while block_on(rx.changed()).is_ok() {
            let v = *rx.borrow_and_update();
            assert!(v >= last, "versions only move forward");
            last = v;
        }
        last
    });
    for i in 1..=n {
        tx.send(i).unwrap();
    }
    drop(tx);
    assert_eq!(t.join().unwrap(), n);
}

#[test]
fn wait_for_checks_the_current_value_then_waits_for_a_match() {
    let (tx, mut rx) = channel(1);
    assert_eq!(
        *block_on(rx.wait_for(|v| *v == 1)).unwrap(),
        1,
        "already true"
    );
    let t = thread::spawn(move || {
        for v in 2..=5 {
            tx.send(v).unwrap();
        }
        tx
    });
    assert_eq!(*block_on(rx.wait_for(|v| *v >= 5)).unwrap(), 5);
    drop(t.join().unwrap());
    assert!(block_on(rx.wait_for(|v| *v > 5)).is_err(), "senders gone");
}
