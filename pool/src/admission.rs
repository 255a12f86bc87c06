//! Admission and termination: the one word that lets `shutdown` finish every job it
//! promised to run, and refuse the rest.
//!
//! `state = 2 * in_flight + TERMINATED`, where `in_flight` counts what was *admitted*
//! and has not finished yet: each `execute` and `spawn` job, queued or running; each
//! scope, as a whole, while it runs (its jobs are not admitted one by one); the half of
//! a `join` from outside the pool that is offered to the workers.
//!
//! | operation | atomic step | afterwards |
//! |---|---|---|
//! | [`Admission::admit`] | `fetch_add(2)` | if the old value had `TERMINATED`: undo (as `finish`) and refuse |
//! | [`Admission::finish`] | `fetch_sub(2)` | if the new value is exactly `TERMINATED`: wake every worker |
//! | [`Admission::terminate`] | `fetch_or(TERMINATED)` | wake every worker |
//! | [`Admission::can_exit`] | `load` | `== TERMINATED`: shut down and nothing in flight |
//!
//! Invariants:
//! 1. Admission and termination are read-modify-writes of the same word, so they are
//!    totally ordered: a job is either admitted before `terminate` (then `in_flight > 0`
//!    until it finished, and no worker exits) or refused (then it is never queued). No
//!    job can reach a queue after the workers left.
//! 2. The job that brings the word to exactly `TERMINATED` wakes every worker, so
//!    sleeping workers notice that they may exit (`can_exit` is part of the sleep's
//!    final check).
//!
//! rayon keeps the same kind of count (`terminate_count`, bumped by every `spawn`); the
//! price is one shared read-modify-write per job on each side. The loom model below
//! checks invariant 1 with a worker loop, a submitter and a shutdown racing.

use crate::loom::sync::atomic::{AtomicUsize, Ordering};

const TERMINATED: usize = 1;
const ONE_JOB: usize = 2;

/// The admission/termination word (see the module header).
pub(crate) struct Admission {
    state: AtomicUsize,
}

impl Admission {
    pub(crate) fn new() -> Admission {
        Admission {
            state: AtomicUsize::new(0),
        }
    }

    /// Admits one job, or refuses it after shutdown. `wake_all` runs if refusing it
    /// left the word at exactly `TERMINATED` (invariant 2).
    pub(crate) fn admit(&self, wake_all: impl FnOnce()) -> bool {
        let old = self.state.fetch_add(ONE_JOB, Ordering::AcqRel);
        if old & TERMINATED != 0 {
            self.finish(wake_all);
            return false;
        }
        true
    }

    /// An admitted job is done; `wake_all` runs if it was the last one after shutdown.
    pub(crate) fn finish(&self, wake_all: impl FnOnce()) {
        let old = self.state.fetch_sub(ONE_JOB, Ordering::AcqRel);
        if old == ONE_JOB | TERMINATED {
            wake_all();
        }
    }

    /// Refuses every job from now on (the caller then wakes every worker).
    pub(crate) fn terminate(&self) {
        self.state.fetch_or(TERMINATED, Ordering::AcqRel);
    }

    /// Whether shutdown has started.
    pub(crate) fn is_terminated(&self) -> bool {
        self.state.load(Ordering::Acquire) & TERMINATED != 0
    }

    /// Whether a worker with nothing to do may exit.
    pub(crate) fn can_exit(&self) -> bool {
        self.state.load(Ordering::Acquire) == TERMINATED
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::Admission;
    use crate::loom::sync::Arc;
    use crate::loom::sync::atomic::{AtomicUsize, Ordering};
    use crate::loom::thread;

    /// A submission races with shutdown while a worker drains a queue (an atomic count
    /// of jobs): every admitted job is run before the worker exits, and a refused one
    /// never reaches the queue.
    #[test]
    fn loom_admission_vs_shutdown_no_admitted_job_is_lost() {
        loom::model(|| {
            let admission = Arc::new(Admission::new());
            let queue = Arc::new(AtomicUsize::new(0));
            let ran = Arc::new(AtomicUsize::new(0));
            let worker = {
                let (admission, queue, ran) = (admission.clone(), queue.clone(), ran.clone());
                thread::spawn(move || {
                    loop {
                        let took = queue
                            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                            .is_ok();
                        if took {
                            ran.fetch_add(1, Ordering::Relaxed);
                            admission.finish(|| {});
                            continue;
                        }
                        if admission.can_exit() {
                            return;
                        }
                        thread::yield_now();
                    }
                })
            };
            let submitter = {
                let (admission, queue) = (admission.clone(), queue.clone());
                thread::spawn(move || {
                    let admitted = admission.admit(|| {});
                    if admitted {
                        queue.fetch_add(1, Ordering::Release);
                    }
                    admitted
                })
            };
            admission.terminate();
            let admitted = submitter.join().unwrap();
            worker.join().unwrap();
            assert_eq!(ran.load(Ordering::Relaxed), usize::from(admitted));
            assert_eq!(queue.load(Ordering::Relaxed), 0);
            assert!(admission.can_exit());
        });
    }
}
