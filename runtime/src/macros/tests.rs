//! Tests of `join!`, `try_join!` and `select!`: outputs, concurrency, fairness of the
//! random start, `biased;` order, and that losing branches are dropped.

use crate::sync::oneshot;
use crate::sync::test_support::{CountingWaker, block_on, iterations};
use std::future::{Future, pending, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

/// A future that is ready after `n` polls (waking itself each time) and counts polls.
struct ReadyAfter {
    left: usize,
    polls: Arc<AtomicUsize>,
}

impl Future for ReadyAfter {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let polls = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.left == 0 {
            return Poll::Ready(polls);
        }
        self.left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn ready_after(left: usize) -> (ReadyAfter, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    (
        ReadyAfter {
            left,
            polls: polls.clone(),
        },
        polls,
    )
}

/// Sets a flag when dropped.
struct DropFlag(Arc<AtomicUsize>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn join_returns_outputs_in_order_and_polls_concurrently() {
    let (a, a_polls) = ready_after(3);
    let (b, b_polls) = ready_after(0);
    let (x, y, z) = block_on(async { crate::join!(a, b, async { "c" }) });
    assert_eq!((x, y, z), (4, 1, "c"));
    assert_eq!(a_polls.load(Ordering::SeqCst), 4);
    assert_eq!(
        b_polls.load(Ordering::SeqCst),
        1,
        "a finished future is not polled again"
    );
}

#[test]
fn join_waits_for_the_slowest() {
    let (tx1, rx1) = oneshot::channel();
    let (tx2, rx2) = oneshot::channel();
    let (count, waker) = CountingWaker::new();
    let mut joined = Box::pin(async { crate::join!(rx1, rx2) });
    let mut cx = Context::from_waker(&waker);
    assert!(joined.as_mut().poll(&mut cx).is_pending());
    tx2.send(2).unwrap();
    assert_eq!(count.wakes(), 1);
    assert!(joined.as_mut().poll(&mut cx).is_pending());
    tx1.send(1).unwrap();
    assert_eq!(joined.as_mut().poll(&mut cx), Poll::Ready((Ok(1), Ok(2))));
}

#[test]
fn try_join_collects_oks() {
    let r: Result<(i32, &str), ()> =
        block_on(async { crate::try_join!(async { Ok(1) }, async { Ok("two") }) });
    assert_eq!(r, Ok((1, "two")));
}

#[test]
fn try_join_short_circuits_on_the_first_error_and_drops_the_rest() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let flag = DropFlag(dropped.clone());
    let never = async move {
        let _flag = flag;
        pending::<()>().await;
        Ok::<u8, &str>(0)
    };
    let r = block_on(async { crate::try_join!(never, async { Err::<u8, &str>("boom") }) });
    assert_eq!(r, Err("boom"));
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "the pending branch was cancelled"
    );
}

#[test]
fn select_is_fair_between_always_ready_branches() {
    let (mut first, mut second) = (0, 0);
    for _ in 0..iterations(400).max(64) {
        block_on(async {
            crate::select! {
                _ = ready(()) => first += 1,
                _ = ready(()) => second += 1,
            }
        });
    }
    assert!(
        first > 0 && second > 0,
        "both branches win sometimes: {first} / {second}"
    );
}

#[test]
fn biased_select_polls_in_order() {
    for _ in 0..50 {
        let winner = block_on(async {
            crate::select! {
                biased;
                v = ready(1) => v,
                v = ready(2) => v,
            }
        });
        assert_eq!(winner, 1);
    }
}

#[test]
fn a_branch_whose_pattern_fails_is_disabled() {
    for _ in 0..20 {
        let got = block_on(async {
            crate::select! {
                Some(mut v) = async { None::<i32> } => { v += 1; v }
                v = async { 7 } => v,
            }
        });
        assert_eq!(got, 7);
    }
}

#[test]
fn else_runs_when_every_branch_is_disabled() {
    let got = block_on(async {
        crate::select! {
            Some(v) = ready(None::<i32>) => v,
            v = ready(5), if false => v,
            else => -1,
        }
    });
    assert_eq!(got, -1);
}

#[test]
#[should_panic(expected = "every branch is disabled")]
fn no_else_and_every_branch_disabled_panics_with_advice() {
    block_on(async {
        crate::select! {
            Some(v) = ready(None::<i32>) => v,
        }
    });
}

#[test]
fn losing_branches_are_dropped_and_handlers_can_break() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut rounds = 0;
    block_on(async {
        loop {
            rounds += 1;
            let flag = DropFlag(dropped.clone());
            crate::select! {
                biased;
                _ = async { if rounds < 3 { pending::<()>().await } } => break,
                _ = async move { let _f = flag; } => continue,
            }
        }
    });
    assert_eq!(rounds, 3);
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
}

#[test]
fn select_on_a_borrowed_receiver_keeps_it_for_later() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    let first = block_on(async {
        crate::select! {
            biased;
            v = &mut rx => v.ok(),
            _ = ready(()) => None,
        }
    });
    assert_eq!(first, None);
    tx.send(4).unwrap();
    assert_eq!(
        block_on(rx),
        Ok(4),
        "the losing `&mut rx` branch lost nothing"
    );
}

#[test]
fn select_supports_eight_branches() {
    for _ in 0..20 {
        let v = block_on(async {
            crate::select! {
                v = pending::<u8>() => v,
                v = pending::<u8>() => v,
                v = pending::<u8>() => v,
                v = pending::<u8>() => v,
                v = pending::<u8>() => v,
                v = pending::<u8>() => v,
                v = pending::<u8>() => v,
                v = ready(8u8) => v,
            }
        });
        assert_eq!(v, 8);
    }
}

#[test]
fn thread_rng_stays_in_range() {
    for n in 1..10 {
        for _ in 0..100 {
            assert!(crate::macros::support::thread_rng_n(n) < n);
        }
    }
}

#[test]
fn top_level_mut_bindings_work() {
    let v = block_on(async {
        crate::select! {
            mut v = ready(1) => { v += 1; v }
        }
    });
    assert_eq!(v, 2);
}

#[test]
fn mismatches_fall_through_to_the_next_ready_branch() {
    // Two refutable branches fail, the third matches: two extra selection levels.
    for _ in 0..20 {
        let got = block_on(async {
            crate::select! {
                Some(v) = ready(None::<u8>) => v,
                Ok(v) = ready(Err::<u8, ()>(())) => v,
                Some(mut v) = ready(Some(String::from("x"))) => { v.push('!'); v.len() as u8 }
            }
        });
        assert_eq!(got, 2);
    }
}

#[test]
fn nested_selects_do_not_confuse_their_outputs() {
    let got = block_on(async {
        crate::select! {
            biased;
            Some(x) = ready(None::<u8>) => x,
            a = ready(10u8) => crate::select! {
                Some(b) = ready(Some(5u8)) => a + b,
                else => 0,
            },
        }
    });
    assert_eq!(got, 15);
}
