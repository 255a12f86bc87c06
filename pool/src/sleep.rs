//! Idle workers sleep; whoever makes work wakes one of them — and never loses the wakeup.
//!
//! The full race, step by step, with a proof sketch, is in `docs/pool-sleep.md`; this
//! header states the protocol and its invariants. The design is a simplified form of
//! rayon-core's sleep module (rayon RFC #5, `rayon-core/src/sleep/README.md`): counts of
//! sleeping and searching workers make the wake path cheap — no wake when nobody sleeps,
//! and none when an awake worker is searching and will find the job anyway — and each
//! worker sleeps on its own mutex + condvar so it can be woken individually.
//!
//! ## States of a worker, and the counters
//! `busy` (running a job) → `searching` (found nothing; spinning over the queues) →
//! `sleeping` (blocked on its condvar) → woken: `searching` again → `busy` when it finds
//! a job. One word, `state`, counts `searchers` (high half) and `sleepers` (low half);
//! every transition is one read-modify-write of it, so any load sees both consistently.
//! Per worker: `blocked: Mutex<bool>` and a `Condvar`; `blocked == true` means "I wait on
//! my condvar; whoever sets me to false also moves me from sleeper to searcher and
//! notifies me".
//!
//! ## Protocol
//! Sleeper (worker `i`, searching, after its spin rounds found nothing):
//! 1. lock `blocked[i]` (and hold it until it waits on the condvar);
//! 2. `searchers -= 1, sleepers += 1` (one RMW), then a SeqCst fence;
//! 3. final check `wake_if()`: jobs in any queue? the latch it waits for set? the pool
//!    terminating? If yes: undo step 2 and return (still searching);
//! 4. `blocked[i] = true`; wait on the condvar until `blocked[i]` is false again.
//!
//! Pusher, after publishing a job ([`Sleep::notify_new_job`]):
//! 1. push the job (done by the caller), then a SeqCst fence;
//! 2. load `state`; if a worker is searching, or none sleeps, stop (the cheap path: no
//!    lock, no syscall);
//! 3. otherwise lock each worker's `blocked` in turn; the first one found `true` is set to
//!    `false` (and moved to searching), and notified. One job, one wakeup.
//!
//! Searcher that finds work ([`Sleep::stop_searching`]): `searchers -= 1`; if it was the
//! last searcher and someone sleeps, wake one (a pusher may have relied on it, and it
//! took another job).
//!
//! Targeted wake ([`Sleep::wake_specific`]): a latch or a job completion whose waiter is
//! worker `i` locks `blocked[i]` and does pusher step 3 for that worker only.
//!
//! ## Invariants
//! - I1 (no lost wakeup): a job pushed before the sleeper's fence is seen by its final
//!   check; a job pushed after it is pushed by a pusher whose fence comes later in the
//!   SeqCst order, so that pusher sees the sleeper counted — and because the sleeper
//!   holds `blocked[i]` from before step 2 until it waits, the pusher's lock on
//!   `blocked[i]` succeeds only once the sleeper waits with `blocked[i] == true`. A pusher
//!   that saw a searcher instead relies on it: that searcher finds the job, or goes to
//!   sleep through the final check (which then sees the job), or takes other work as the
//!   last searcher — and then wakes a sleeper.
//! - I2: `blocked[i]` goes from true to false only under its lock, together with one
//!   sleeper → searcher move; so the counters never underflow and count each worker once.
//! - I3: a targeted wake is ordered with the sleeper's final check by the mutex alone: the
//!   waker sets its condition (latch, result) *before* locking `blocked[i]`.
//!
//! Every wake path returns whom it woke (or calls back for each one, in `wake_all`) so that
//! the registry can count and trace "thread X woke thread Y"; the protocol itself does not
//! look at it.

use crate::loom::sync::atomic::{AtomicUsize, Ordering, fence};
use crate::loom::sync::{Condvar, Mutex};
use crate::loom::{lock, wait};
use crossbeam_utils::CachePadded;

/// Bits of `state` per counter: sleepers in the low half, searchers in the high half.
const HALF: u32 = usize::BITS / 2;
const ONE_SLEEPER: usize = 1;
const ONE_SEARCHER: usize = 1 << HALF;
const SLEEPERS_MASK: usize = ONE_SEARCHER - 1;

fn sleepers(state: usize) -> usize {
    state & SLEEPERS_MASK
}

fn searchers(state: usize) -> usize {
    state >> HALF
}

/// One worker's bed: see the module header for the protocol.
struct Bed {
    blocked: Mutex<bool>,
    cond: Condvar,
}

/// The sleep/wake state of one pool.
pub(crate) struct Sleep {
    /// Sleepers (low half) and searchers (high half), in one word so that one load —
    /// or one read-modify-write — sees both consistently.
    state: CachePadded<AtomicUsize>,
    beds: Box<[CachePadded<Bed>]>,
}

impl Sleep {
    /// Creates the state for `workers` workers, all awake and busy.
    pub(crate) fn new(workers: usize) -> Sleep {
        let beds = (0..workers)
            .map(|_| {
                CachePadded::new(Bed {
                    blocked: Mutex::new(false),
                    cond: Condvar::new(),
                })
            })
            .collect();
        Sleep {
            state: CachePadded::new(AtomicUsize::new(0)),
            beds,
        }
    }

    /// A busy worker found no work and starts searching (state: busy → searching).
    pub(crate) fn start_searching(&self) {
        self.state.fetch_add(ONE_SEARCHER, Ordering::SeqCst);
    }

    /// A searching worker found work, or stops waiting (searching → busy). If it was the
    /// last searcher and someone sleeps, it wakes one: a pusher that saw it searching
    /// did not wake anybody, trusting it to find the job — but it may have found another
    /// one (rayon's `Sleep::work_found` does the same). Returns the worker it woke.
    pub(crate) fn stop_searching(&self) -> Option<usize> {
        let old = self.state.fetch_sub(ONE_SEARCHER, Ordering::SeqCst);
        if searchers(old) == 1 && sleepers(old) > 0 {
            return self.wake_one();
        }
        None
    }

    /// Puts searching worker `index` to sleep unless `wake_if` (the final check) says
    /// there is something to do; `on_block` runs just before it blocks (to count and
    /// trace parks). Returns with the worker searching again: `true` if it blocked and
    /// was woken, `false` if the final check kept it awake.
    pub(crate) fn sleep(
        &self,
        index: usize,
        wake_if: impl Fn() -> bool,
        on_block: impl FnOnce(),
    ) -> bool {
        let bed = &self.beds[index];
        // S1: hold our own lock from before the announcement until we wait, so that a
        // waker who saw the announcement cannot look at `blocked` in between (I1).
        let mut blocked = lock(&bed.blocked);
        // S2: announce (searching → sleeping, one read-modify-write). The fence orders
        // the announcement before the final check's loads of the queues (crossbeam's
        // loads are not SeqCst themselves).
        self.state
            .fetch_add(ONE_SLEEPER.wrapping_sub(ONE_SEARCHER), Ordering::SeqCst);
        fence(Ordering::SeqCst);
        // S3: the final check.
        if wake_if() {
            self.state
                .fetch_add(ONE_SEARCHER.wrapping_sub(ONE_SLEEPER), Ordering::SeqCst);
            return false;
        }
        // S4, S5: block until a waker clears the flag (spurious wakeups loop). The waker
        // moved us back to searching.
        on_block();
        *blocked = true;
        while *blocked {
            blocked = wait(&bed.cond, blocked);
        }
        true
    }

    /// Called after a job was pushed to any queue: wakes one sleeping worker, unless
    /// a worker is searching (it will find the job) or nobody sleeps.
    ///
    /// The common cases cost one fence and one load of a read-mostly cache line.
    /// Returns the worker it woke (the tracer records who woke whom).
    #[inline]
    pub(crate) fn notify_new_job(&self) -> Option<usize> {
        fence(Ordering::SeqCst);
        let state = self.state.load(Ordering::SeqCst);
        if searchers(state) > 0 || sleepers(state) == 0 {
            return None;
        }
        self.wake_one()
    }

    /// Wakes worker `index` if it is blocked (a latch or job it waits for is done);
    /// returns whether it was.
    pub(crate) fn wake_specific(&self, index: usize) -> bool {
        self.wake(index)
    }

    /// Wakes every blocked worker (termination); `on_wake(i)` for each one woken.
    pub(crate) fn wake_all(&self, mut on_wake: impl FnMut(usize)) {
        for index in 0..self.beds.len() {
            if self.wake(index) {
                on_wake(index);
            }
        }
    }

    /// Whether some worker is asleep or about to be (a hint: Relaxed, may be stale).
    pub(crate) fn has_sleepers(&self) -> bool {
        self.sleeping() != 0
    }

    /// How many workers are asleep or about to be (a snapshot, for statistics).
    pub(crate) fn sleeping(&self) -> usize {
        sleepers(self.state.load(Ordering::Relaxed))
    }

    /// Sleepers and searchers (checked by the loom models).
    #[cfg(all(loom, test))]
    pub(crate) fn counts(&self) -> (usize, usize) {
        let state = self.state.load(Ordering::SeqCst);
        (sleepers(state), searchers(state))
    }

    #[cold]
    fn wake_one(&self) -> Option<usize> {
        (0..self.beds.len()).find(|&index| self.wake(index))
    }

    fn wake(&self, index: usize) -> bool {
        let bed = &self.beds[index];
        let mut blocked = lock(&bed.blocked);
        if !*blocked {
            return false;
        }
        *blocked = false;
        // sleeping → searching, for the worker we wake (I2).
        self.state
            .fetch_add(ONE_SEARCHER.wrapping_sub(ONE_SLEEPER), Ordering::SeqCst);
        drop(blocked);
        bed.cond.notify_one();
        true
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::Sleep;
    use crate::loom::sync::Arc;
    use crate::loom::sync::atomic::{AtomicUsize, Ordering};
    use crate::loom::thread;

    /// Takes one job from the model's queue (an atomic count of jobs), if there is one.
    fn take(queue: &AtomicUsize) -> bool {
        queue
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// The worker loop of `worker.rs`, reduced to the protocol: run jobs until `total`
    /// jobs have run (in all workers); search, and sleep when there is nothing.
    fn worker(sleep: &Sleep, index: usize, queue: &AtomicUsize, ran: &AtomicUsize, total: usize) {
        let mut searching = false;
        loop {
            if take(queue) {
                if searching {
                    sleep.stop_searching();
                    searching = false;
                }
                if ran.fetch_add(1, Ordering::SeqCst) + 1 == total {
                    sleep.wake_all(|_| {}); // "terminate": everybody may exit
                }
                continue;
            }
            if ran.load(Ordering::SeqCst) == total {
                if searching {
                    sleep.stop_searching();
                }
                return;
            }
            if !searching {
                sleep.start_searching();
                searching = true;
            }
            sleep.sleep(
                index,
                || queue.load(Ordering::SeqCst) > 0 || ran.load(Ordering::SeqCst) == total,
                || {},
            );
        }
    }

    /// A job is pushed while the only worker is going to sleep: the worker must run it.
    /// If the wakeup could be lost, loom reports a deadlock (the worker blocks forever).
    #[test]
    fn loom_job_pushed_while_worker_falls_asleep_is_run() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new(1));
            let queue = Arc::new(AtomicUsize::new(0));
            let ran = Arc::new(AtomicUsize::new(0));
            let w = {
                let (sleep, queue, ran) = (sleep.clone(), queue.clone(), ran.clone());
                thread::spawn(move || worker(&sleep, 0, &queue, &ran, 1))
            };
            queue.fetch_add(1, Ordering::SeqCst);
            sleep.notify_new_job();
            w.join().unwrap();
            assert_eq!(ran.load(Ordering::SeqCst), 1);
            assert_eq!(sleep.counts(), (0, 0));
        });
    }

    /// Two workers, two jobs pushed by one producer: a searching worker may take the
    /// first job while the other sleeps; the second job must still be run, and nobody
    /// is left counted as a sleeper or a searcher.
    #[test]
    fn loom_two_workers_two_jobs() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new(2));
            let queue = Arc::new(AtomicUsize::new(0));
            let ran = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|i| {
                    let (sleep, queue, ran) = (sleep.clone(), queue.clone(), ran.clone());
                    thread::spawn(move || worker(&sleep, i, &queue, &ran, 2))
                })
                .collect();
            for _ in 0..2 {
                queue.fetch_add(1, Ordering::SeqCst);
                sleep.notify_new_job();
            }
            for w in workers {
                w.join().unwrap();
            }
            assert_eq!(ran.load(Ordering::SeqCst), 2);
            assert_eq!(sleep.counts(), (0, 0));
        });
    }

    /// A targeted wake (latch set) races with the worker falling asleep.
    #[test]
    fn loom_targeted_wake_is_not_lost() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new(1));
            let latch = Arc::new(AtomicUsize::new(0));
            let worker = {
                let (sleep, latch) = (sleep.clone(), latch.clone());
                thread::spawn(move || {
                    sleep.start_searching();
                    while latch.load(Ordering::Acquire) == 0 {
                        sleep.sleep(0, || latch.load(Ordering::Acquire) != 0, || {});
                    }
                    sleep.stop_searching();
                })
            };
            latch.store(1, Ordering::Release);
            sleep.wake_specific(0);
            worker.join().unwrap();
            assert_eq!(sleep.counts(), (0, 0));
        });
    }
}
