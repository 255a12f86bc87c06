//! Idle workers sleep; whoever makes work wakes one of them — and never loses the wakeup.
//!
//! The full race, step by step, with a proof sketch, is in `docs/pool-sleep.md`; this
//! header states the protocol and its invariants. The design is a simplified form of
//! rayon-core's sleep module (rayon RFC #5, `rayon-core/src/sleep/README.md`): a global
//! count of sleepers makes the wake path cheap when nobody sleeps, and each worker sleeps
//! on its own mutex + condvar so it can be woken individually.
//!
//! ## State
//! - `sleepers`: how many workers have *announced* they are going to sleep and have not
//!   yet been woken (or taken their announcement back).
//! - per worker: `blocked: Mutex<bool>` and a `Condvar`. `blocked == true` means "I am
//!   waiting on my condvar; whoever sets me to false must also decrement `sleepers` and
//!   notify me".
//!
//! ## Protocol
//! Sleeper (worker `i`, after its search for work came back empty):
//! 1. lock `blocked[i]` (and hold it until it waits on the condvar);
//! 2. `sleepers += 1`, then a SeqCst fence;
//! 3. run the final check `wake_if()`: are there jobs in any queue? is the latch this
//!    worker waits for set? is the pool terminating? If yes: `sleepers -= 1`, return;
//! 4. `blocked[i] = true`; wait on the condvar until `blocked[i]` is false again.
//!
//! Waker after publishing a job ([`Sleep::notify_new_job`]):
//! 1. push the job (done by the caller), then a SeqCst fence;
//! 2. load `sleepers`; if zero, stop (the cheap path: no lock, no syscall);
//! 3. otherwise lock each worker's `blocked` in turn; the first one found `true` is set to
//!    `false`, `sleepers -= 1`, and notified. One job, one wakeup.
//!
//! Targeted wake ([`Sleep::wake_specific`]): a latch or a job completion whose waiter is
//! worker `i` locks `blocked[i]` and does step 3 for that worker only.
//!
//! ## Invariants
//! - I1 (no lost wakeup): a job pushed before the sleeper's fence is seen by its final
//!   check; a job pushed after it is pushed by a waker whose fence comes later in the
//!   SeqCst order, so that waker sees `sleepers > 0` — and because the sleeper holds
//!   `blocked[i]` from before the increment until it waits, the waker's lock on
//!   `blocked[i]` succeeds only once the sleeper is waiting with `blocked[i] == true`.
//! - I2: `blocked[i]` goes from true to false only under its lock, together with one
//!   decrement of `sleepers`; so `sleepers` never underflows and counts each sleeper once.
//! - I3: a targeted wake is ordered with the sleeper's final check by the mutex alone: the
//!   waker sets its condition (latch, result) *before* locking `blocked[i]`.

use crate::loom::sync::atomic::{AtomicUsize, Ordering, fence};
use crate::loom::sync::{Condvar, Mutex};
use crate::loom::{lock, wait};
use crossbeam_utils::CachePadded;

/// One worker's bed: see the module header for the protocol.
struct Bed {
    blocked: Mutex<bool>,
    cond: Condvar,
}

/// The sleep/wake state of one pool.
pub(crate) struct Sleep {
    sleepers: CachePadded<AtomicUsize>,
    beds: Box<[CachePadded<Bed>]>,
}

impl Sleep {
    /// Creates the state for `workers` workers, all awake.
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
            sleepers: CachePadded::new(AtomicUsize::new(0)),
            beds,
        }
    }

    /// Puts worker `index` to sleep unless `wake_if` (the final check) says there is
    /// something to do. Returns whether the worker actually slept.
    pub(crate) fn sleep(&self, index: usize, wake_if: impl Fn() -> bool) -> bool {
        let bed = &self.beds[index];
        // Step 1: hold our own lock from before the announcement until we wait, so that a
        // waker who saw the announcement cannot look at `blocked` in between (I1).
        let mut blocked = lock(&bed.blocked);
        // Step 2: announce. The fence orders the announcement before the final check's
        // loads of the queues (crossbeam's loads are not SeqCst themselves).
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        // Step 3: the final check.
        if wake_if() {
            self.sleepers.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        // Step 4: block until a waker clears the flag (spurious wakeups loop).
        *blocked = true;
        while *blocked {
            blocked = wait(&bed.cond, blocked);
        }
        true
    }

    /// Called after a job was pushed to any queue: wakes one sleeping worker, if any.
    ///
    /// The common case — every worker busy — costs one fence and one load of a
    /// read-mostly cache line.
    pub(crate) fn notify_new_job(&self) {
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) == 0 {
            return;
        }
        for index in 0..self.beds.len() {
            if self.wake(index) {
                return;
            }
        }
    }

    /// Wakes worker `index` if it is blocked (a latch or job it waits for is done).
    pub(crate) fn wake_specific(&self, index: usize) {
        self.wake(index);
    }

    /// Wakes every blocked worker (termination).
    pub(crate) fn wake_all(&self) {
        for index in 0..self.beds.len() {
            self.wake(index);
        }
    }

    /// How many workers are asleep or about to be (checked by the loom models).
    #[cfg(loom)]
    pub(crate) fn sleepers(&self) -> usize {
        self.sleepers.load(Ordering::Relaxed)
    }

    fn wake(&self, index: usize) -> bool {
        let bed = &self.beds[index];
        let mut blocked = lock(&bed.blocked);
        if !*blocked {
            return false;
        }
        *blocked = false;
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
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

    /// A job is pushed while the only worker is going to sleep: the worker must run it.
    /// If the wakeup could be lost, loom reports a deadlock (the worker blocks forever).
    #[test]
    fn loom_job_pushed_while_worker_falls_asleep_is_run() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new(1));
            let queue = Arc::new(AtomicUsize::new(0));
            let worker = {
                let (sleep, queue) = (sleep.clone(), queue.clone());
                thread::spawn(move || {
                    while !take(&queue) {
                        sleep.sleep(0, || queue.load(Ordering::SeqCst) > 0);
                    }
                })
            };
            queue.fetch_add(1, Ordering::SeqCst);
            sleep.notify_new_job();
            worker.join().unwrap();
            assert_eq!(sleep.sleepers(), 0);
        });
    }

    /// Two workers, two jobs pushed by one producer: both jobs are run and nobody is left
    /// counted as a sleeper.
    #[test]
    fn loom_two_workers_two_jobs() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new(2));
            let queue = Arc::new(AtomicUsize::new(0));
            let done = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|i| {
                    let (sleep, queue, done) = (sleep.clone(), queue.clone(), done.clone());
                    thread::spawn(move || {
                        while !take(&queue) {
                            sleep.sleep(i, || queue.load(Ordering::SeqCst) > 0);
                        }
                        done.fetch_add(1, Ordering::SeqCst);
                    })
                })
                .collect();
            for _ in 0..2 {
                queue.fetch_add(1, Ordering::SeqCst);
                sleep.notify_new_job();
            }
            for w in workers {
                w.join().unwrap();
            }
            assert_eq!(done.load(Ordering::SeqCst), 2);
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
                    while latch.load(Ordering::Acquire) == 0 {
                        sleep.sleep(0, || latch.load(Ordering::Acquire) != 0);
                    }
                })
            };
            latch.store(1, Ordering::Release);
            sleep.wake_specific(0);
            worker.join().unwrap();
        });
    }
}
