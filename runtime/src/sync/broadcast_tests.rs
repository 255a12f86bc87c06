//! Tests of `broadcast`: delivery to every receiver, exact `Lagged(n)` counts, closing,
//! and that values are dropped once every receiver has seen them.

use super::*;
use crate::sync::test_support::{CountingWaker, block_on, iterations};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

fn poll<F: Future + ?Sized>(f: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(waker))
}

#[test]
fn every_receiver_sees_every_value() {
    let (tx, mut a) = channel(4);
    let mut b = tx.subscribe();
    assert_eq!(tx.send(1).unwrap(), 2);
    tx.send(2).unwrap();
    for rx in [&mut a, &mut b] {
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(block_on(rx.recv()), Ok(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }
}

#[test]
fn a_lagging_receiver_learns_exactly_how_much_it_missed() {
    let (tx, mut rx) = channel(2);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    // Retained: 3 and 4. Missed: 0, 1, 2.
    assert_eq!(rx.len(), 2);
    assert_eq!(block_on(rx.recv()), Err(RecvError::Lagged(3)));
    assert_eq!(block_on(rx.recv()), Ok(3));
    assert_eq!(block_on(rx.recv()), Ok(4));
    tx.send(5).unwrap();
    tx.send(6).unwrap();
    tx.send(7).unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(rx.try_recv(), Ok(6));
}

#[test]
fn receivers_see_closed_after_all_senders_drop_and_draining() {
    let (tx, mut rx) = channel(4);
    let tx2 = tx.clone();
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "a sender remains");
    tx2.send(2).unwrap();
    drop(tx2);
    assert_eq!(block_on(rx.recv()), Ok(2));
    assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
}

#[test]
fn pending_receiver_is_woken_by_send_and_by_close() {
    let (tx, mut rx) = channel(1);
    let (count, waker) = CountingWaker::new();
    {
        let mut recv = Box::pin(rx.recv());
        assert!(poll(recv.as_mut(), &waker).is_pending());
        tx.send(9).unwrap();
        assert_eq!(count.wakes(), 1);
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Ok(9)));
    }
    let mut recv = Box::pin(rx.recv());
    assert!(poll(recv.as_mut(), &waker).is_pending());
    drop(tx);
    assert_eq!(count.wakes(), 2);
    assert_eq!(
        poll(recv.as_mut(), &waker),
        Poll::Ready(Err(RecvError::Closed))
    );
}

#[test]
fn send_without_receivers_returns_the_value() {
    let (tx, rx) = channel(1);
    drop(rx);
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(tx.send(3).unwrap_err().0, 3);
    let mut late = tx.subscribe();
    tx.send(4).unwrap();
    assert_eq!(
        late.try_recv(),
        Ok(4),
        "a receiver sees values sent after it joined"
    );
}

#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);
impl Clone for Counted {
    fn clone(&self) -> Self {
        Counted(self.0.clone())
    }
}
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn values_are_dropped_once_every_receiver_has_them() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, mut a) = channel(4);
    let mut b = tx.subscribe();
    tx.send(Counted(drops.clone())).unwrap();
    drop(a.try_recv().unwrap()); // a clone
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "b has not read it: retained"
    );
    drop(b.try_recv().unwrap()); // the last reader moves it out
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    tx.send(Counted(drops.clone())).unwrap();
    drop(a);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(b); // the last receiver that had not read it is gone
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn dropped_recv_leaves_the_wait_list() {
    let (tx, mut rx) = channel(1);
    let (count, waker) = CountingWaker::new();
    let mut recv = Box::pin(rx.recv());
    assert!(poll(recv.as_mut(), &waker).is_pending());
    drop(recv);
    tx.send(1).unwrap();
    assert_eq!(count.wakes(), 0, "a cancelled recv is not woken");
    assert_eq!(rx.try_recv(), Ok(1), "and took nothing");
}

#[test]
fn cross_thread_fan_out() {
    let (tx, rx) = channel(8);
    let n = iterations(500) as u64;
    let receivers: Vec<_> = (0..3)
        .map(|_| {
            let mut rx = rx.resubscribe();
            thread::spawn(move || {
                let (mut sum, mut lagged) = (0, 0);
                loop {
                    match block_on(rx.recv()) {
                        Ok(v) => sum += v,
                        Err(RecvError::Lagged(k)) => lagged += k,
                        Err(RecvError::Closed) => return (sum, lagged),
                    }
                }
            })
        })
        .collect();
    drop(rx);
    for i in 0..n {
        tx.send(i).unwrap();
    }
    drop(tx);
    for r in receivers {
        let (sum, lagged) = r.join().unwrap();
        // Every value was either received or reported as missed.
        assert!(lagged > 0 || sum == n * (n - 1) / 2);
    }
}
