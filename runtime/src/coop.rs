//! Cooperative scheduling: the per-poll budget.
//!
//! ## The problem
//! A task is only preempted at an `.await` that returns `Pending`. A task that loops on
//! resources which are always ready (a channel that always has a message, `JoinHandle`s
//! of tasks that already finished, a socket with data always buffered) never returns
//! `Pending`, so it holds its worker forever and starves every task queued behind it.
//!
//! ## The algorithm
//! Before each poll of a task the scheduler grants the thread a budget of
//! [`BUDGET`] units ([`with_budget`]). Every spindle leaf future (channel receive, lock
//! acquire, join, I/O, timer) calls [`poll_proceed`] before it does its work:
//! - with units left, it takes one and proceeds;
//! - with none left, it wakes its own task and returns `Pending`, so the task goes to the
//!   back of the queue and the scheduler runs its neighbours.
//!
//! If the leaf then turns out not to be ready after all, the unit is given back (the
//! [`RestoreOnPending`] guard), so only real progress spends the budget.
//!
//! States: the thread-local budget is either *unconstrained* (outside a spindle task:
//! plain `block_on` of a user future on a foreign thread, other executors) or
//! *n units left*, `0 <= n <= BUDGET`.
//!
//! Invariant: the budget is reset (and restored afterwards) around each task poll, so one
//! task's spending never leaks into the next task's allowance.
//!
//! The idea and the value 128 are tokio's (`tokio::task::coop`, introduced in its 0.2.14
//! release after the "reducing tail latencies with automatic cooperative task yielding"
//! post): large enough that the bookkeeping is invisible, small enough that a starved
//! neighbour waits at most ~128 leaf operations.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Units a task may spend in one poll before its leaf futures force it to yield.
pub const BUDGET: u8 = 128;

thread_local! {
    /// `None`: unconstrained; `Some(n)`: `n` units left in the current poll.
    static CURRENT: Cell<Option<u8>> = const { Cell::new(None) };
}

/// Runs `f` (one poll of a task) with a fresh budget, restoring the previous budget after
/// it, even if `f` panics.
pub(crate) fn with_budget<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(Option<u8>);
    impl Drop for Reset {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(CURRENT.with(|c| c.replace(Some(BUDGET))));
    f()
}

/// Asks for one unit of budget before a leaf future does its work.
///
/// Returns `Pending` (after waking the task, so it is polled again soon) when the budget
/// is spent. On `Ready` the caller holds a [`RestoreOnPending`]: if it finds that its
/// resource is not ready and returns `Pending` itself, dropping the guard without calling
/// [`RestoreOnPending::made_progress`] gives the unit back.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    CURRENT.with(|c| match c.get() {
        None => Poll::Ready(RestoreOnPending(None)),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            c.set(Some(n - 1));
            Poll::Ready(RestoreOnPending(Some(n)))
        }
    })
}

/// Whether the current poll still has budget (always true when unconstrained).
pub(crate) fn has_budget_remaining() -> bool {
    CURRENT.with(|c| c.get() != Some(0))
}

/// Gives a unit of budget back unless the leaf future made progress.
#[must_use = "dropping the guard at once gives the budget unit back"]
pub(crate) struct RestoreOnPending(Option<u8>);

impl RestoreOnPending {
    /// The leaf future did its work: keep the unit spent.
    #[inline]
    pub(crate) fn made_progress(&mut self) {
        self.0 = None;
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if let Some(before) = self.0 {
            CURRENT.with(|c| c.set(Some(before)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn unconstrained_outside_a_task() {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1000 {
            let Poll::Ready(mut g) = poll_proceed(&mut cx) else {
                panic!("no budget outside a task")
            };
            g.made_progress();
        }
        assert!(has_budget_remaining());
    }

    #[test]
    fn budget_runs_out_and_is_reset_per_poll() {
        let mut cx = Context::from_waker(Waker::noop());
        with_budget(|| {
            for _ in 0..BUDGET {
                let Poll::Ready(mut g) = poll_proceed(&mut cx) else {
                    panic!("budget ran out early")
                };
                g.made_progress();
            }
            assert!(poll_proceed(&mut cx).is_pending());
            assert!(!has_budget_remaining());
        });
        with_budget(|| assert!(has_budget_remaining()));
        assert_eq!(
            CURRENT.with(Cell::get),
            None,
            "budget restored after the poll"
        );
    }

    #[test]
    fn no_progress_gives_the_unit_back() {
        let mut cx = Context::from_waker(Waker::noop());
        with_budget(|| {
            for _ in 0..(BUDGET as usize * 2) {
                let Poll::Ready(_guard) = poll_proceed(&mut cx) else {
                    panic!("a unit was spent without progress")
                };
            }
            assert_eq!(CURRENT.with(Cell::get), Some(BUDGET));
        });
    }
}
