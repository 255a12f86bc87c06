//! Tests of `mpsc`: closing, backpressure of the bounded channel, batch receive, and
//! the cooperative budget in a receive loop.

use super::*;
use crate::sync::test_support::{CountingWaker, block_on, iterations};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread;

fn poll<F: Future + ?Sized>(f: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(waker))
}

#[test]
fn receiver_sees_none_after_the_last_sender_drops() {
    let (tx, mut rx) = channel(4);
    let tx2 = tx.clone();
    tx.try_send(1).unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "one sender remains"
    );
    tx2.try_send(2).unwrap();
    drop(tx2);
    assert_eq!(block_on(rx.recv()), Some(2), "queued messages drain first");
    assert_eq!(block_on(rx.recv()), None);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn pending_receiver_is_woken_when_the_last_sender_drops() {
    let (tx, mut rx) = unbounded_channel::<u8>();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    assert!(rx.poll_recv(&mut cx).is_pending());
    drop(tx);
    assert_eq!(count.wakes(), 1);
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
}

#[test]
fn send_to_a_closed_channel_returns_the_value() {
    let (tx, rx) = channel(1);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(block_on(tx.send("a")).unwrap_err().0, "a");
    assert!(matches!(tx.try_send("b"), Err(TrySendError::Closed("b"))));
    let (utx, urx) = unbounded_channel();
    drop(urx);
    assert_eq!(utx.send(7).unwrap_err().0, 7);
}

#[test]
fn close_fails_waiting_senders_but_keeps_queued_messages() {
    let (tx, mut rx) = channel(1);
    tx.try_send(1).unwrap();
    let (count, waker) = CountingWaker::new();
    let mut blocked = Box::pin(tx.send(2));
    assert!(poll(blocked.as_mut(), &waker).is_pending());
    rx.close();
    assert_eq!(count.wakes(), 1);
    match poll(blocked.as_mut(), &waker) {
        Poll::Ready(Err(SendError(2))) => {}
        other => panic!("expected the value back, got {other:?}"),
    }
    assert_eq!(block_on(rx.recv()), Some(1));
    assert_eq!(block_on(rx.recv()), None);
}

#[test]
fn bounded_send_waits_exactly_while_full() {
    let (tx, mut rx) = channel(2);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    assert!(matches!(tx.try_send(9), Err(TrySendError::Full(9))));
    assert_eq!(tx.capacity(), 0);
    let (a_count, a) = CountingWaker::new();
    let (b_count, b) = CountingWaker::new();
    let mut first = Box::pin(tx.send(2));
    let mut second = Box::pin(tx.send(3));
    assert!(poll(first.as_mut(), &a).is_pending());
    assert!(poll(second.as_mut(), &b).is_pending());
    assert_eq!((a_count.wakes(), b_count.wakes()), (0, 0));
    assert_eq!(rx.try_recv(), Ok(0)); // one slot frees: exactly one sender wakes
    assert_eq!((a_count.wakes(), b_count.wakes()), (1, 0));
    assert!(poll(second.as_mut(), &b).is_pending());
    assert!(matches!(poll(first.as_mut(), &a), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(b_count.wakes(), 1);
    assert!(matches!(poll(second.as_mut(), &b), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(tx.capacity(), 2);
}

#[test]
fn receiver_is_woken_once_per_idle_period() {
    let (tx, mut rx) = unbounded_channel();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    assert!(rx.poll_recv(&mut cx).is_pending());
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    assert_eq!(count.wakes(), 1, "only the first send finds the waker");
    for i in 0..3 {
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(i)));
    }
}

#[test]
fn reserve_holds_capacity_until_used_or_dropped() {
    let (tx, mut rx) = channel(1);
    let permit = block_on(tx.reserve()).unwrap();
    assert!(matches!(tx.try_send(1), Err(TrySendError::Full(1))));
    drop(permit);
    let permit = tx.try_reserve().unwrap();
    permit.send(5);
    assert!(tx.try_reserve().is_err());
    assert_eq!(rx.try_recv(), Ok(5));
    assert!(tx.try_reserve().is_ok());
}

#[test]
fn sender_closed_resolves_when_the_receiver_drops() {
    let (tx, rx) = channel::<()>(1);
    let (count, waker) = CountingWaker::new();
    let mut closed = Box::pin(tx.closed());
    assert!(poll(closed.as_mut(), &waker).is_pending());
    drop(rx);
    assert_eq!(count.wakes(), 1);
    assert!(poll(closed.as_mut(), &waker).is_ready());
}

#[test]
fn dropping_the_receiver_drops_queued_messages() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = unbounded_channel();
    for _ in 0..3 {
        tx.send(Counted(drops.clone())).unwrap();
    }
    drop(rx);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "dropped before the sender goes"
    );
}

#[test]
fn many_producers_deliver_everything_in_per_sender_order() {
    let (tx, mut rx) = channel(8);
    let per = iterations(1000);
    let producers: Vec<_> = (0..4)
        .map(|id| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..per {
                    block_on(tx.send((id, i))).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = [0; 4];
    while let Some((id, i)) = block_on(rx.recv()) {
        assert_eq!(next[id], i, "sender {id} out of order");
        next[id] += 1;
    }
    assert_eq!(next, [per; 4]);
    for p in producers {
        p.join().unwrap();
    }
}

#[test]
fn blocking_send_and_recv_bridge_plain_threads() {
    let (tx, mut rx) = channel(1);
    let t = thread::spawn(move || {
        for i in 0..iterations(100) {
            tx.blocking_send(i).unwrap();
        }
    });
    let mut n = 0;
    while let Some(i) = rx.blocking_recv() {
        assert_eq!(i, n);
        n += 1;
    }
    assert_eq!(n, iterations(100));
    t.join().unwrap();
}

#[test]
fn recv_many_takes_a_batch_and_returns_capacity() {
    let (tx, mut rx) = channel(4);
    for i in 0..4 {
        tx.try_send(i).unwrap();
    }
    let mut batch = Vec::new();
    assert_eq!(block_on(rx.recv_many(&mut batch, 3)), 3);
    assert_eq!(batch, [0, 1, 2]);
    assert_eq!(tx.capacity(), 3, "three slots came back");
    assert_eq!(block_on(rx.recv_many(&mut batch, 10)), 1);
    drop(tx);
    assert_eq!(block_on(rx.recv_many(&mut batch, 10)), 0, "finished");
    assert_eq!(batch, [0, 1, 2, 3]);
}

#[test]
fn a_task_looping_on_a_ready_channel_yields_after_its_budget() {
    let (tx, mut rx) = unbounded_channel();
    for i in 0..(crate::coop::BUDGET as usize * 2) {
        tx.send(i).unwrap();
    }
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    // One poll of a spindle task: receive until the channel says "yield".
    let received = crate::coop::with_budget(|| {
        let mut n = 0;
        while let Poll::Ready(Some(_)) = rx.poll_recv(&mut cx) {
            n += 1;
        }
        n
    });
    assert_eq!(received, crate::coop::BUDGET as usize);
    assert_eq!(
        count.wakes(),
        1,
        "it yields by waking itself, to be polled again"
    );
    // Outside a spindle task the budget is unconstrained.
    let mut rest = 0;
    while rx.try_recv().is_ok() {
        rest += 1;
    }
    assert_eq!(rest, crate::coop::BUDGET as usize);
}
