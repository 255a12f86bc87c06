use super::*;
use crate::sync::test_support::{CountingWaker, block_on, iterations};
use std::sync::Arc;
use std::thread;

fn poll<F: Future>(f: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(waker))
}

#[test]
fn notify_one_before_notified_is_not_lost() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one(); // permits do not accumulate
    let (_c, waker) = CountingWaker::new();
    assert!(poll(std::pin::pin!(notify.notified()), &waker).is_ready());
    assert!(poll(std::pin::pin!(notify.notified()), &waker).is_pending());
}

#[test]
fn notify_one_wakes_waiters_in_fifo_order() {
    let notify = Notify::new();
    let (a_count, a_waker) = CountingWaker::new();
    let (b_count, b_waker) = CountingWaker::new();
    let mut a = Box::pin(notify.notified());
    let mut b = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &a_waker).is_pending());
    assert!(poll(b.as_mut(), &b_waker).is_pending());
    notify.notify_one();
    assert_eq!((a_count.wakes(), b_count.wakes()), (1, 0));
    assert!(poll(b.as_mut(), &b_waker).is_pending());
    assert!(poll(a.as_mut(), &a_waker).is_ready());
    notify.notify_one();
    assert_eq!(b_count.wakes(), 1);
    assert!(poll(b.as_mut(), &b_waker).is_ready());
}

#[test]
fn notify_waiters_wakes_only_current_waiters() {
    let notify = Notify::new();
    let (count, waker) = CountingWaker::new();
    let mut a = Box::pin(notify.notified());
    let mut b = Box::pin(notify.notified());
    let mut created_not_polled = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &waker).is_pending());
    assert!(poll(b.as_mut(), &waker).is_pending());
    notify.notify_waiters();
    assert_eq!(count.wakes(), 2);
    let mut later = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &waker).is_ready());
    assert!(poll(b.as_mut(), &waker).is_ready());
    assert!(
        poll(created_not_polled.as_mut(), &waker).is_ready(),
        "created before notify_waiters: it counts as waiting"
    );
    assert!(
        poll(later.as_mut(), &waker).is_pending(),
        "notify_waiters stores no permit"
    );
}

#[test]
fn dropped_notified_passes_its_notification_on() {
    let notify = Notify::new();
    let (a_count, a_waker) = CountingWaker::new();
    let (b_count, b_waker) = CountingWaker::new();
    let mut a = Box::pin(notify.notified());
    let mut b = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &a_waker).is_pending());
    assert!(poll(b.as_mut(), &b_waker).is_pending());
    notify.notify_one();
    assert_eq!(a_count.wakes(), 1);
    drop(a); // notified, never observed: like the losing branch of a select!
    assert_eq!(b_count.wakes(), 1);
    assert!(poll(b.as_mut(), &b_waker).is_ready());
}

#[test]
fn dropped_notified_with_no_one_behind_stores_the_permit() {
    let notify = Notify::new();
    let (_c, waker) = CountingWaker::new();
    let mut a = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &waker).is_pending());
    notify.notify_one();
    drop(a);
    assert!(poll(std::pin::pin!(notify.notified()), &waker).is_ready());
}

#[test]
fn dropped_unnotified_waiter_leaves_no_trace() {
    let notify = Notify::new();
    let (_c, waker) = CountingWaker::new();
    let mut a = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &waker).is_pending());
    drop(a);
    notify.notify_one();
    assert!(poll(std::pin::pin!(notify.notified()), &waker).is_ready());
}

#[test]
fn ping_pong_across_threads() {
    let ping = Arc::new(Notify::new());
    let pong = Arc::new(Notify::new());
    let rounds = iterations(1000);
    let (p2, q2) = (ping.clone(), pong.clone());
    let t = thread::spawn(move || {
        for _ in 0..rounds {
            block_on(p2.notified());
            q2.notify_one();
        }
    });
    for _ in 0..rounds {
        ping.notify_one();
        block_on(pong.notified());
    }
    t.join().unwrap();
}
