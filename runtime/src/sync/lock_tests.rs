//! Mutex, RwLock and Barrier behaviour: fairness, cancellation, leaders.

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
fn mutex_serves_three_waiters_in_fifo_order() {
    let m = Mutex::new(Vec::new());
    let held = m.try_lock().unwrap();
    let counters: Vec<_> = (0..3).map(|_| CountingWaker::new()).collect();
    let mut waiters: Vec<_> = (0..3).map(|_| Box::pin(m.lock())).collect();
    for (w, (_, waker)) in waiters.iter_mut().zip(&counters) {
        assert!(poll(w.as_mut(), waker).is_pending());
    }
    drop(held);
    for i in 0..3 {
        let wakes: Vec<_> = counters.iter().map(|(c, _)| c.wakes()).collect();
        let expected: Vec<_> = (0..3).map(|j| usize::from(j <= i)).collect();
        assert_eq!(wakes, expected, "only waiter {i} has been handed the lock");
        // Polling the later waiters first does not let them barge.
        for j in (i + 1)..3 {
            assert!(poll(waiters[j].as_mut(), &counters[j].1).is_pending());
        }
        let Poll::Ready(mut guard) = poll(waiters[i].as_mut(), &counters[i].1) else {
            panic!("waiter {i} was woken with the lock")
        };
        guard.push(i);
    }
    drop(waiters);
    assert_eq!(*m.try_lock().unwrap(), [0, 1, 2]);
}

#[test]
fn dropped_lock_waiter_does_not_block_the_next() {
    let m = Mutex::new(0);
    let (a_count, a) = CountingWaker::new();
    let (b_count, b) = CountingWaker::new();
    let held = m.try_lock().unwrap();
    let mut first = Box::pin(m.lock());
    let mut second = Box::pin(m.lock());
    assert!(poll(first.as_mut(), &a).is_pending());
    assert!(poll(second.as_mut(), &b).is_pending());
    drop(held); // hands the lock to `first` ...
    assert_eq!(a_count.wakes(), 1);
    drop(first); // ... which is cancelled before it sees it
    assert_eq!(b_count.wakes(), 1);
    assert!(poll(second.as_mut(), &b).is_ready());
}

#[test]
fn blocking_lock_from_plain_threads() {
    let m = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..iterations(200) {
                    *m.blocking_lock() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.blocking_lock(), 2 * iterations(200));
}

#[test]
fn mutex_counts_correctly_across_threads() {
    let m = Arc::new(Mutex::new(0usize));
    let n = iterations(1000);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..n {
                    *block_on(m.lock()) += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*block_on(m.clone().lock_owned()), 4 * n);
}

#[test]
fn rwlock_writer_is_not_starved_by_new_readers() {
    let lock = RwLock::new(0);
    let (_c, waker) = CountingWaker::new();
    let (w_count, w_waker) = CountingWaker::new();
    let reader = lock.try_read().unwrap();
    let mut writer = Box::pin(lock.write());
    assert!(poll(writer.as_mut(), &w_waker).is_pending());
    // A stream of readers arrives while the writer waits: none gets in.
    let mut readers: Vec<_> = (0..10).map(|_| Box::pin(lock.read())).collect();
    for r in &mut readers {
        assert!(poll(r.as_mut(), &waker).is_pending());
    }
    assert!(lock.try_read().is_err());
    drop(reader);
    assert_eq!(w_count.wakes(), 1);
    let Poll::Ready(mut w) = poll(writer.as_mut(), &w_waker) else {
        panic!("the writer runs as soon as the old reader leaves")
    };
    *w = 1;
    drop(w);
    // All queued readers enter together.
    let guards: Vec<_> = readers
        .iter_mut()
        .map(|r| match poll(r.as_mut(), &waker) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!("reader still blocked after the writer left"),
        })
        .collect();
    assert!(guards.iter().all(|g| **g == 1));
}

#[test]
fn rwlock_cancelled_writer_lets_readers_in() {
    let lock = RwLock::new(());
    let (r_count, waker) = CountingWaker::new();
    let reader = lock.try_read().unwrap();
    let mut writer = Box::pin(lock.write());
    assert!(poll(writer.as_mut(), &waker).is_pending());
    let mut late_reader = Box::pin(lock.read());
    assert!(poll(late_reader.as_mut(), &waker).is_pending());
    drop(writer);
    assert_eq!(r_count.wakes(), 1);
    assert!(poll(late_reader.as_mut(), &waker).is_ready());
    drop(reader);
}

#[test]
fn rwlock_downgrade_admits_readers() {
    let lock = RwLock::new(5);
    let w = lock.try_write().unwrap();
    assert!(lock.try_read().is_err());
    let r = w.downgrade();
    assert_eq!(*r, 5);
    assert_eq!(*lock.try_read().unwrap(), 5);
    assert!(lock.try_write().is_err());
}

#[test]
fn barrier_has_exactly_one_leader_per_generation() {
    const PARTIES: usize = 3;
    let rounds = iterations(200);
    let barrier = Arc::new(Barrier::new(PARTIES));
    let leaders: Arc<Vec<AtomicUsize>> =
        Arc::new((0..rounds).map(|_| AtomicUsize::new(0)).collect());
    let threads: Vec<_> = (0..PARTIES)
        .map(|_| {
            let (barrier, leaders) = (barrier.clone(), leaders.clone());
            thread::spawn(move || {
                for round in 0..rounds {
                    if block_on(barrier.wait()).is_leader() {
                        leaders[round].fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(leaders.iter().all(|l| l.load(Ordering::SeqCst) == 1));
}

#[test]
fn barrier_dropped_waiter_withdraws_its_arrival() {
    let barrier = Barrier::new(2);
    let (count, waker) = CountingWaker::new();
    let mut a = Box::pin(barrier.wait());
    assert!(poll(a.as_mut(), &waker).is_pending());
    drop(a);
    let mut b = Box::pin(barrier.wait());
    assert!(
        poll(b.as_mut(), &waker).is_pending(),
        "the cancelled arrival does not count"
    );
    let mut c = Box::pin(barrier.wait());
    assert_eq!(
        poll(c.as_mut(), &waker),
        Poll::Ready(BarrierWaitResult(true))
    );
    assert_eq!(count.wakes(), 1);
    assert_eq!(
        poll(b.as_mut(), &waker),
        Poll::Ready(BarrierWaitResult(false))
    );
}

#[test]
fn rwlock_owned_guards_hold_and_release() {
    let lock = Arc::new(RwLock::new(vec![1]));
    let r1 = block_on(lock.clone().read_owned());
    let r2 = block_on(lock.clone().read_owned());
    assert_eq!((r1.len(), r2.len()), (1, 1), "two readers at once");
    assert!(lock.try_write().is_err());
    drop((r1, r2));
    let mut w = block_on(lock.clone().write_owned());
    w.push(2);
    assert!(lock.try_read().is_err());
    drop(w);
    assert_eq!(*lock.try_read().unwrap(), [1, 2]);
}

/// Compile-time check: handles and the futures a task awaits can move between worker
/// threads (and shared handles can be shared), as on a multi-thread runtime.
#[test]
fn public_types_are_send_and_sync() {
    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Mutex<u8>>();
    send_sync::<RwLock<u8>>();
    send_sync::<Semaphore>();
    send_sync::<Notify>();
    send_sync::<Barrier>();
    send_sync::<mpsc::Sender<u8>>();
    send_sync::<mpsc::UnboundedSender<u8>>();
    send_sync::<oneshot::Sender<u8>>();
    send_sync::<broadcast::Sender<u8>>();
    send_sync::<watch::Sender<u8>>();
    send_sync::<watch::Receiver<u8>>();
    fn is_send<T: Send>() {}
    is_send::<mpsc::Receiver<u8>>();
    is_send::<oneshot::Receiver<u8>>();
    is_send::<broadcast::Receiver<u8>>();
    is_send::<MutexGuard<'static, u8>>();
    is_send::<OwnedSemaphorePermit>();

    let m = Mutex::new(0u8);
    send(&m.lock());
    let sem = Semaphore::new(1);
    send(&sem.acquire());
    let n = Notify::new();
    send(&n.notified());
    let b = Barrier::new(1);
    send(&b.wait());
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    send(&tx.send(1));
    send(&rx.recv());
    let (btx, mut brx) = broadcast::channel::<u8>(1);
    send(&brx.recv());
    drop(btx);
    let (_wtx, mut wrx) = watch::channel(0u8);
    send(&wrx.changed());
}
