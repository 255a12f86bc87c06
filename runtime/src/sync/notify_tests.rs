//! Tests of `Notify`: the stored permit of `notify_one`, `notify_waiters` waking only
//! current waiters, and a cancelled waiter passing its notification on.

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

/// Producers add tokens and `notify_one`; consumers take tokens or wait, and sometimes
/// give up a wait after one poll (cancellation). If a notification were ever lost (not
/// forwarded by a cancelled waiter, or missed between check and wait), a consumer would
/// sleep with tokens left and the test would hang instead of finishing.
#[test]
fn tokens_are_never_stranded_under_cancellation() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    const PRODUCERS: usize = 2;
    let per_producer = iterations(500);
    let notify = Arc::new(Notify::new());
    let tokens = Arc::new(AtomicUsize::new(0));
    let taken = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let take = |tokens: &AtomicUsize| {
        tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(1))
            .is_ok()
    };
    let consumers: Vec<_> = (0..2u64)
        .map(|seed| {
            let (notify, tokens, taken, done) =
                (notify.clone(), tokens.clone(), taken.clone(), done.clone());
            thread::spawn(move || {
                let mut x = seed * 2 + 1;
                loop {
                    let notified = notify.notified(); // before the checks
                    if take(&tokens) {
                        taken.fetch_add(1, Ordering::AcqRel);
                        continue;
                    }
                    if done.load(Ordering::Acquire) {
                        return;
                    }
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let mut notified = Box::pin(notified);
                    if x % 4 == 0 {
                        // Poll once, then cancel: any notification it got is forwarded.
                        let _ = poll(notified.as_mut(), Waker::noop());
                        continue;
                    }
                    block_on(notified);
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let (notify, tokens) = (notify.clone(), tokens.clone());
            thread::spawn(move || {
                for _ in 0..per_producer {
                    tokens.fetch_add(1, Ordering::AcqRel);
                    notify.notify_one();
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    while taken.load(Ordering::Acquire) < PRODUCERS * per_producer {
        thread::yield_now();
    }
    done.store(true, Ordering::Release);
    notify.notify_waiters();
    for c in consumers {
        c.join().unwrap();
    }
    assert_eq!(tokens.load(Ordering::Acquire), 0);
}
