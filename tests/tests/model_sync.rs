//! Model-based tests (proptest) of the channels and the semaphore: random sequences of
//! operations on the real thing and on a plain model, compared after every step.
//!
//! - bounded `mpsc` against a `VecDeque`: try_send, try_recv, poll of `recv`, close,
//!   sender clones and drops, receiver drop;
//! - `broadcast` against a log of sent values and one read position per receiver:
//!   send, try_recv (with exact `Lagged(n)`), subscribe, receiver and sender drops;
//! - `Semaphore`: random acquire (ready or left waiting), release, cancel of a waiting
//!   acquire, add_permits; permits are conserved: available + held == total, and a
//!   waiter is only left waiting while it could not be served (FIFO).
//!
//! Values carry a token whose reference count shows, at the end, that every value sent
//! was dropped exactly once (none leaked, none double-dropped: a double drop would make
//! the count underflow, which `Arc` turns into a crash).
//!
//! Futures are polled by hand with a no-op waker (no runtime: these are the primitives'
//! own state machines). 64 cases each by default; `PROPTEST_CASES` raises it.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
use spindle::sync::{Semaphore, broadcast, mpsc};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn poll<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

/// A value that keeps `token` alive: its strong count shows values not yet dropped.
#[derive(Clone, Debug)]
struct Value(u32, #[allow(dead_code)] Arc<()>);

#[derive(Clone, Debug)]
enum MpscOp {
    TrySend { sender: usize },
    TryRecv,
    PollRecv,
    Close,
    CloneSender { sender: usize },
    DropSender { sender: usize },
    DropReceiver,
}

fn mpsc_op() -> impl Strategy<Value = MpscOp> {
    prop_oneof![
        5 => any::<usize>().prop_map(|sender| MpscOp::TrySend { sender }),
        4 => Just(MpscOp::TryRecv),
        2 => Just(MpscOp::PollRecv),
        1 => Just(MpscOp::Close),
        1 => any::<usize>().prop_map(|sender| MpscOp::CloneSender { sender }),
        1 => any::<usize>().prop_map(|sender| MpscOp::DropSender { sender }),
        1 => Just(MpscOp::DropReceiver),
    ]
}

fn run_mpsc(capacity: usize, ops: &[MpscOp]) -> Result<(), TestCaseError> {
    let token = Arc::new(());
    let (tx, rx) = mpsc::channel::<Value>(capacity);
    let (mut senders, mut rx) = (vec![tx], Some(rx));
    let mut model: VecDeque<u32> = VecDeque::new();
    let (mut closed, mut next) = (false, 0u32);
    for op in ops {
        let pick = |n: usize, len: usize| n % len.max(1);
        match *op {
            MpscOp::TrySend { sender } if !senders.is_empty() => {
                let tx = &senders[pick(sender, senders.len())];
                let v = Value(next, token.clone());
                next += 1;
                match tx.try_send(v) {
                    Ok(()) => {
                        prop_assert!(!closed && rx.is_some() && model.len() < capacity);
                        model.push_back(next - 1);
                    }
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        prop_assert!(!closed && rx.is_some() && model.len() == capacity)
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        prop_assert!(closed || rx.is_none())
                    }
                }
            }
            MpscOp::TryRecv => {
                if let Some(rx) = rx.as_mut() {
                    match rx.try_recv() {
                        Ok(v) => prop_assert_eq!(Some(v.0), model.pop_front()),
                        Err(mpsc::error::TryRecvError::Empty) => {
                            prop_assert!(model.is_empty() && !closed && !senders.is_empty())
                        }
                        Err(mpsc::error::TryRecvError::Disconnected) => {
                            prop_assert!(model.is_empty() && (closed || senders.is_empty()))
                        }
                    }
                }
            }
            MpscOp::PollRecv => {
                if let Some(rx) = rx.as_mut() {
                    let mut recv = std::pin::pin!(rx.recv());
                    match poll(recv.as_mut()) {
                        Poll::Ready(Some(v)) => prop_assert_eq!(Some(v.0), model.pop_front()),
                        Poll::Ready(None) => {
                            prop_assert!(model.is_empty() && (closed || senders.is_empty()))
                        }
                        Poll::Pending => {
                            prop_assert!(model.is_empty() && !closed && !senders.is_empty())
                        }
                    }
                }
            }
            MpscOp::Close => {
                if let Some(rx) = rx.as_mut() {
                    rx.close();
                    closed = true;
                }
            }
            MpscOp::CloneSender { sender } if !senders.is_empty() => {
                let tx = senders[pick(sender, senders.len())].clone();
                senders.push(tx);
            }
            MpscOp::DropSender { sender } if !senders.is_empty() => {
                senders.remove(pick(sender, senders.len()));
            }
            MpscOp::DropReceiver if rx.is_some() => {
                rx = None;
                model.clear(); // queued values are dropped with the receiver
            }
            _ => {}
        }
        for tx in &senders {
            prop_assert_eq!(tx.is_closed(), closed || rx.is_none());
        }
        if let Some(rx) = &rx {
            prop_assert_eq!(rx.len(), model.len());
        }
    }
    drop(senders);
    drop(rx);
    prop_assert_eq!(Arc::strong_count(&token), 1, "a value leaked");
    Ok(())
}

#[derive(Clone, Debug)]
enum BroadcastOp {
    Send,
    TryRecv { rx: usize },
    Subscribe,
    DropReceiver { rx: usize },
    DropSender,
}

fn broadcast_op() -> impl Strategy<Value = BroadcastOp> {
    prop_oneof![
        5 => Just(BroadcastOp::Send),
        5 => any::<usize>().prop_map(|rx| BroadcastOp::TryRecv { rx }),
        1 => Just(BroadcastOp::Subscribe),
        1 => any::<usize>().prop_map(|rx| BroadcastOp::DropReceiver { rx }),
        1 => Just(BroadcastOp::DropSender),
    ]
}

fn run_broadcast(capacity: usize, ops: &[BroadcastOp]) -> Result<(), TestCaseError> {
    let token = Arc::new(());
    let (tx, rx) = broadcast::channel::<Value>(capacity);
    let mut tx = Some(tx);
    // The model: every value ever sent, and each receiver's next position in it.
    let mut log: Vec<u32> = Vec::new();
    let mut receivers: Vec<(broadcast::Receiver<Value>, usize)> = vec![(rx, 0)];
    for op in ops {
        match *op {
            BroadcastOp::Send => {
                if let Some(tx) = &tx {
                    let v = log.len() as u32;
                    match tx.send(Value(v, token.clone())) {
                        Ok(n) => {
                            prop_assert_eq!(n, receivers.len());
                            log.push(v);
                        }
                        Err(_) => prop_assert!(receivers.is_empty()),
                    }
                }
            }
            BroadcastOp::TryRecv { rx } if !receivers.is_empty() => {
                let i = rx % receivers.len();
                let (rx, next) = &mut receivers[i];
                let oldest = log.len().saturating_sub(capacity);
                let expected = if *next < oldest {
                    let missed = oldest - *next;
                    *next = oldest;
                    Err(broadcast::TryRecvError::Lagged(missed as u64))
                } else if *next < log.len() {
                    *next += 1;
                    Ok(log[*next - 1])
                } else if tx.is_none() {
                    Err(broadcast::TryRecvError::Closed)
                } else {
                    Err(broadcast::TryRecvError::Empty)
                };
                prop_assert_eq!(rx.try_recv().map(|v| v.0), expected);
            }
            BroadcastOp::Subscribe => {
                if let Some(tx) = &tx {
                    receivers.push((tx.subscribe(), log.len()));
                }
            }
            BroadcastOp::DropReceiver { rx } if !receivers.is_empty() => {
                let i = rx % receivers.len();
                receivers.remove(i);
            }
            BroadcastOp::DropSender => tx = None,
            _ => {}
        }
        if let Some(tx) = &tx {
            prop_assert_eq!(tx.receiver_count(), receivers.len());
        }
    }
    drop(tx);
    drop(receivers);
    prop_assert_eq!(Arc::strong_count(&token), 1, "a value leaked");
    Ok(())
}

#[derive(Clone, Debug)]
enum SemOp {
    /// Acquire `n` permits: granted at once, or left waiting (polled once).
    Acquire {
        n: u32,
    },
    /// Release the `i`-th held permit.
    Release {
        i: usize,
    },
    /// Drop the `i`-th waiting acquire (cancel).
    Cancel {
        i: usize,
    },
    /// Poll every waiting acquire again, oldest first.
    PollWaiters,
    AddPermits {
        n: usize,
    },
}

fn sem_op() -> impl Strategy<Value = SemOp> {
    prop_oneof![
        4 => (1..4u32).prop_map(|n| SemOp::Acquire { n }),
        3 => any::<usize>().prop_map(|i| SemOp::Release { i }),
        2 => any::<usize>().prop_map(|i| SemOp::Cancel { i }),
        2 => Just(SemOp::PollWaiters),
        1 => (0..3usize).prop_map(|n| SemOp::AddPermits { n }),
    ]
}

fn run_semaphore(initial: usize, ops: &[SemOp]) -> Result<(), TestCaseError> {
    let sem = Arc::new(Semaphore::new(initial));
    let mut total = initial;
    let mut held: Vec<(spindle::sync::OwnedSemaphorePermit, u32)> = Vec::new();
    type Waiting = Pin<
        Box<
            dyn Future<
                Output = Result<spindle::sync::OwnedSemaphorePermit, spindle::sync::AcquireError>,
            >,
        >,
    >;
    let mut waiting: Vec<(Waiting, u32)> = Vec::new();
    let poll_waiters = |waiting: &mut Vec<(Waiting, u32)>, held: &mut Vec<_>| {
        let mut still = Vec::new();
        for (mut fut, n) in waiting.drain(..) {
            match poll(fut.as_mut()) {
                Poll::Ready(permit) => held.push((permit.unwrap(), n)),
                Poll::Pending => still.push((fut, n)),
            }
        }
        *waiting = still;
    };
    for op in ops {
        match *op {
            SemOp::Acquire { n } => {
                let mut fut: Waiting = Box::pin(sem.clone().acquire_many_owned(n));
                match poll(fut.as_mut()) {
                    Poll::Ready(permit) => {
                        prop_assert!(waiting.is_empty(), "served past a waiter (not FIFO)");
                        held.push((permit.unwrap(), n));
                    }
                    Poll::Pending => waiting.push((fut, n)),
                }
            }
            SemOp::Release { i } if !held.is_empty() => {
                let i = i % held.len();
                drop(held.remove(i)); // releases its permits
            }
            SemOp::Cancel { i } if !waiting.is_empty() => {
                let i = i % waiting.len();
                drop(waiting.remove(i)); // cancels the acquire
            }
            SemOp::PollWaiters => poll_waiters(&mut waiting, &mut held),
            SemOp::AddPermits { n } => {
                sem.add_permits(n);
                total += n;
            }
            _ => {}
        }
        // A waiter whose acquire completed is collected first, so that "waiting" means
        // really waiting.
        poll_waiters(&mut waiting, &mut held);
        let in_hand: usize = held.iter().map(|(_, n)| *n as usize).sum();
        let available = sem.available_permits();
        if waiting.is_empty() {
            prop_assert_eq!(available + in_hand, total, "permits not conserved");
        } else {
            // The head waiter may have been handed part of what it asked for (as in
            // tokio): those permits are neither available nor held, and return to the
            // pool if it is cancelled.
            prop_assert!(available + in_hand <= total, "permits created from nothing");
            prop_assert!(
                waiting[0].1 as usize > available,
                "the first waiter could be served"
            );
        }
    }
    drop(waiting);
    drop(held);
    prop_assert_eq!(sem.available_permits(), total);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn mpsc_matches_a_queue(capacity in 1..5usize, ops in prop::collection::vec(mpsc_op(), 1..120)) {
        run_mpsc(capacity, &ops)?;
    }

    #[test]
    fn broadcast_matches_a_log(capacity in 1..5usize, ops in prop::collection::vec(broadcast_op(), 1..120)) {
        run_broadcast(capacity, &ops)?;
    }

    #[test]
    fn semaphore_conserves_permits(initial in 0..5usize, ops in prop::collection::vec(sem_op(), 1..120)) {
        run_semaphore(initial, &ops)?;
    }
}
