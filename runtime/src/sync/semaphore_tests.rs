//! Tests of `Semaphore`: FIFO grants, `acquire_many`, close, and permits given back by
//! cancelled acquires (including partial grants).

use super::*;
use crate::sync::test_support::{CountingWaker, block_on, iterations, poll_once};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Waker;
use std::thread;

#[test]
fn try_acquire_counts_permits() {
    let sem = Semaphore::new(2);
    let a = sem.try_acquire().unwrap();
    let b = sem.try_acquire().unwrap();
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    assert_eq!(sem.available_permits(), 0);
    drop(a);
    assert_eq!(sem.available_permits(), 1);
    b.forget();
    assert_eq!(sem.available_permits(), 1, "a forgotten permit stays taken");
    assert_eq!(
        sem.try_acquire_many(2).unwrap_err(),
        TryAcquireError::NoPermits
    );
    sem.add_permits(1);
    assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
}

#[test]
fn a_waiter_is_woken_once_when_a_permit_is_released() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let (count, waker) = CountingWaker::new();
    let mut acq = sem.acquire();
    assert!(poll_once(&mut acq, &waker).is_pending());
    assert!(poll_once(&mut acq, &waker).is_pending());
    drop(held);
    assert_eq!(count.wakes(), 1);
    let Poll::Ready(Ok(p)) = poll_once(&mut acq, &waker) else {
        panic!("the released permit was handed to the waiter")
    };
    assert_eq!(sem.available_permits(), 0);
    drop(p);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_large_request_at_the_head_is_not_overtaken() {
    let sem = Semaphore::new(0);
    let (count, waker) = CountingWaker::new();
    let mut big = sem.acquire_many(2);
    let mut small = sem.acquire();
    assert!(poll_once(&mut big, &waker).is_pending());
    assert!(poll_once(&mut small, &waker).is_pending());
    sem.add_permits(1);
    assert_eq!(
        count.wakes(),
        0,
        "one permit satisfies nobody: the head needs two"
    );
    assert!(sem.try_acquire().is_err(), "no barging past the queue");
    sem.add_permits(1);
    assert_eq!(count.wakes(), 1);
    let Poll::Ready(Ok(big_permit)) = poll_once(&mut big, &waker) else {
        panic!("the head was granted both permits")
    };
    assert!(poll_once(&mut small, &waker).is_pending());
    drop(big_permit);
    assert!(poll_once(&mut small, &waker).is_ready());
}

#[test]
fn dropped_acquire_returns_its_partial_grant() {
    let sem = Semaphore::new(0);
    let (_count, waker) = CountingWaker::new();
    let mut acq = sem.acquire_many(3);
    assert!(poll_once(&mut acq, &waker).is_pending());
    sem.add_permits(2);
    assert_eq!(
        sem.available_permits(),
        0,
        "the two permits are promised to the waiter"
    );
    drop(acq);
    assert_eq!(sem.available_permits(), 2, "cancelling gives them back");
}

#[test]
fn dropped_granted_acquire_passes_permits_to_the_next_waiter() {
    let sem = Semaphore::new(0);
    let (first_wakes, first) = CountingWaker::new();
    let (second_wakes, second) = CountingWaker::new();
    let mut a = sem.acquire();
    let mut b = sem.acquire();
    assert!(poll_once(&mut a, &first).is_pending());
    assert!(poll_once(&mut b, &second).is_pending());
    sem.add_permits(1);
    assert_eq!((first_wakes.wakes(), second_wakes.wakes()), (1, 0));
    drop(a); // granted, never observed
    assert_eq!(second_wakes.wakes(), 1);
    assert!(poll_once(&mut b, &second).is_ready());
}

#[test]
fn close_fails_waiters_and_new_acquires() {
    let sem = Semaphore::new(0);
    let (count, waker) = CountingWaker::new();
    let mut acq = sem.acquire();
    assert!(poll_once(&mut acq, &waker).is_pending());
    sem.close();
    assert_eq!(count.wakes(), 1);
    assert!(matches!(
        poll_once(&mut acq, &waker),
        Poll::Ready(Err(AcquireError(())))
    ));
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    assert!(block_on(sem.acquire()).is_err());
    assert!(sem.is_closed());
}

#[test]
fn owned_permits_release_on_drop() {
    let sem = Arc::new(Semaphore::new(1));
    let p = block_on(sem.clone().acquire_owned()).unwrap();
    assert!(sem.clone().try_acquire_owned().is_err());
    drop(p);
    assert_eq!(sem.try_acquire_many_owned(1).unwrap().num_permits(), 1);
}

#[test]
fn concurrency_never_exceeds_the_permits() {
    let sem = Arc::new(Semaphore::new(2));
    let inside = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (sem, inside, max) = (sem.clone(), inside.clone(), max.clone());
            thread::spawn(move || {
                for _ in 0..iterations(500) {
                    let _p = block_on(sem.acquire()).unwrap();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(now, Ordering::SeqCst);
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(max.load(Ordering::SeqCst) <= 2);
    assert_eq!(sem.available_permits(), 2);
}

/// Threads race acquires of 1..=3 permits, cancelling about a third of them after one
/// poll. However the grants, partial grants and cancellations interleave, every permit
/// comes back and nobody is left waiting.
#[test]
fn cancellation_races_never_leak_permits() {
    let sem = Arc::new(Semaphore::new(3));
    let threads: Vec<_> = (0..4u64)
        .map(|seed| {
            let sem = sem.clone();
            thread::spawn(move || {
                let mut x = seed * 2 + 1;
                for _ in 0..iterations(300) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let n = (x % 3) as u32 + 1;
                    let mut acq = sem.acquire_many(n);
                    let waker = Waker::noop();
                    match poll_once(&mut acq, waker) {
                        Poll::Ready(permit) => drop(permit),
                        Poll::Pending if x % 3 == 0 => drop(acq), // cancelled mid-wait
                        Poll::Pending => drop(block_on(acq).unwrap()),
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sem.available_permits(), 3);
    assert!(sem.try_acquire_many(3).is_ok());
}
