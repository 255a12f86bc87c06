//! Which workers are asleep, and how many are looking for work: the protocol that
//! decides whether pushing a task must wake a worker.
//!
//! Waking a parked thread costs ~20 µs here (about 100 task polls), so we wake one only
//! when (a) there is new work and (b) no worker is already *searching* (a searching
//! worker will find the work, and if it finds it, it wakes the next one: see
//! `transition_worker_from_searching`). This is tokio's `idle.rs` protocol
//! (`num_searching` / `num_unparked` packed in one word); `docs/park-unpark.md` writes out
//! the lost-wake-up race and why it cannot happen.
//!
//! State word: `num_searching` in the low 16 bits, `num_unparked` above.
//! Invariants:
//! 1. `num_searching <= num_unparked <= num_workers`.
//! 2. `sleepers` holds exactly the workers that are parked and not yet chosen to wake;
//!    `num_unparked == num_workers - sleepers.len()` whenever the lock is free.
//! 3. A worker chosen by `worker_to_notify` is counted as searching *before* it wakes,
//!    so concurrent pushers do not wake a second worker for the same work.
//! 4. At most about half the workers search at once (`transition_worker_to_searching`),
//!    so an idle runtime does not burn all cores stealing from each other.

use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};

const UNPARK_SHIFT: usize = 16;
const SEARCH_MASK: usize = (1 << UNPARK_SHIFT) - 1;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;

pub(super) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

fn num_searching(s: usize) -> usize {
    s & SEARCH_MASK
}

fn num_unparked(s: usize) -> usize {
    s >> UNPARK_SHIFT
}

impl Idle {
    pub(super) fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCH_MASK, "too many workers");
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    /// Called after new work was pushed where another worker could take it. Returns the
    /// worker to unpark, if one should be woken.
    pub(super) fn worker_to_notify(&self) -> Option<usize> {
        if !self.notify_should_wakeup() {
            return None;
        }
        let mut sleepers = self.sleepers.lock().unwrap();
        // Re-check under the lock: another pusher may have woken a worker meanwhile.
        if !self.notify_should_wakeup() {
            return None;
        }
        let worker = sleepers.pop()?;
        // Invariant 3: counted as unparked and searching before it runs.
        self.state.fetch_add(UNPARK_ONE | 1, SeqCst);
        Some(worker)
    }

    /// True when nobody is searching and somebody sleeps.
    fn notify_should_wakeup(&self) -> bool {
        // The pusher's "push the task; then read the idle state" is a Dekker pair with the
        // parker's "decrement the state; then re-check the queues". Reading with a
        // read-modify-write (adding 0, as tokio does) puts both sides' accesses to the
        // state word in one modification order: if ours comes after the parker's we see
        // its decrement; if before, the parker's RMW reads ours, so our push happens-before
        // its re-check. (A fence + load pair works on real hardware too, but loom cannot
        // verify SeqCst fences; this form it can: see `loom_push_vs_last_searcher_parking`.)
        let s = self.state.fetch_add(0, SeqCst);
        num_searching(s) == 0 && num_unparked(s) < self.num_workers
    }

    /// A worker out of local work wants to steal. False if enough workers already search.
    pub(super) fn transition_worker_to_searching(&self) -> bool {
        let s = self.state.load(SeqCst);
        if 2 * num_searching(s) >= self.num_workers {
            return false;
        }
        // Racy by design (like tokio): two workers may both pass the check; the bound is
        // a throttle, not a correctness property.
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work. True if it was the last searcher: the caller must
    /// then wake another worker, since pushers skipped waking anyone while it searched.
    pub(super) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(num_searching(prev) > 0);
        num_searching(prev) == 1
    }

    /// A worker is about to park. True if it was the last searcher: the caller must then
    /// look at every queue once more (a push may have raced with this transition).
    pub(super) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap();
        let dec = UNPARK_ONE + is_searching as usize;
        // Pairs with the RMW in `notify_should_wakeup` (see there).
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && num_searching(prev) == 1
    }

    /// The worker woke with work on its own queues (its driver turn woke tasks there):
    /// it leaves `sleepers` and counts as unparked, not searching. Returns false if it
    /// was no longer a sleeper (`worker_to_notify` chose it and counted it as searching).
    pub(super) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap();
        let Some(at) = sleepers.iter().position(|&w| w == worker) else {
            return false;
        };
        sleepers.swap_remove(at);
        self.state.fetch_add(UNPARK_ONE, SeqCst);
        true
    }

    /// After a wake-up: still in `sleepers` means the wake-up was spurious (or a shutdown
    /// broadcast); not there means `worker_to_notify` chose us.
    pub(super) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().unwrap().contains(&worker)
    }

    /// For shutdown: forget the sleepers (every worker is being woken anyway).
    pub(super) fn unpark_all_for_shutdown(&self) {
        let mut sleepers = self.sleepers.lock().unwrap();
        let n = sleepers.len();
        sleepers.clear();
        self.state.fetch_add(n * UNPARK_ONE, SeqCst);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_push_wakes_one_worker_and_searchers_suppress_wakes() {
        let idle = Idle::new(4);
        for w in 0..4 {
            assert!(!idle.transition_worker_to_parked(w, false));
        }
        let first = idle.worker_to_notify();
        assert!(first.is_some());
        // The woken worker counts as searching: a second push wakes nobody.
        assert_eq!(idle.worker_to_notify(), None);
        // It finds work and was the last searcher: it may wake one more.
        assert!(idle.transition_worker_from_searching());
        assert!(idle.worker_to_notify().is_some());
        assert!(!idle.is_parked(first.unwrap()));
    }

    #[test]
    fn at_most_half_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_parked(0, true));
        assert!(idle.transition_worker_to_parked(1, true), "last searcher");
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::sync::Arc;
    use crate::loom::sync::atomic::AtomicBool;
    use crate::loom::thread;

    /// The lost-wake-up race of docs/park-unpark.md: the last searcher parks while a
    /// task is pushed. Afterwards the worker must not be left asleep with the work queued:
    /// either the pusher chose it, or its own re-check found the work and chose it.
    #[test]
    fn loom_push_vs_last_searcher_parking() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(2));
            // Worker 1 is busy (unparked, not searching); worker 0 searches.
            assert!(idle.transition_worker_to_searching());
            let work = Arc::new(AtomicBool::new(false)); // stands for the injector
            let (i2, w2) = (idle.clone(), work.clone());
            let pusher = thread::spawn(move || {
                w2.store(true, SeqCst); // push
                i2.worker_to_notify() // then maybe wake someone
            });
            // Worker 0 found nothing and parks.
            let mut chosen = None;
            if idle.transition_worker_to_parked(0, true) && work.load(SeqCst) {
                chosen = idle.worker_to_notify(); // notify_if_work_pending
            }
            let by_pusher = pusher.join().unwrap();
            assert!(
                by_pusher == Some(0) || chosen == Some(0),
                "work queued but worker 0 left asleep ({by_pusher:?}, {chosen:?})"
            );
            assert!(!idle.is_parked(0));
        });
    }

    /// A burst of pushes wakes one worker, not one per push.
    #[test]
    fn loom_concurrent_pushes_wake_one_worker() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(2));
            assert!(!idle.transition_worker_to_parked(0, false));
            assert!(!idle.transition_worker_to_parked(1, false));
            let i2 = idle.clone();
            let t = thread::spawn(move || i2.worker_to_notify());
            let a = idle.worker_to_notify();
            let b = t.join().unwrap();
            assert_eq!(a.is_some() as usize + b.is_some() as usize, 1);
        });
    }
}
