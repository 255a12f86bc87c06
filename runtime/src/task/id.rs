//! [`Id`]: a task's identity, and which task the current thread is polling.
//!
//! ## Assigning ids without a shared hot counter
//! tokio gives each task the next value of one global `AtomicU64`. On two cores spawning
//! at once, that counter's cache line crosses between them on every spawn (~160 ns here,
//! more than the spawn itself). So each thread reserves a *block* of [`BLOCK`] ids from the
//! global counter and hands them out from a thread-local range: one atomic add per 1024
//! spawns. Ids stay unique for the life of the process and never 0; they are increasing
//! per thread, not globally (a task spawned later on another thread may have a smaller
//! id), which is all an identity needs.
//!
//! ## The current task
//! The harness sets a thread-local to the task's id for the duration of each poll (and of
//! the drop of a cancelled future), restoring the previous value afterwards, so polls
//! nest correctly (a `block_on` inside a blocking task, say). [`id`] and [`try_id`] read
//! it, as tokio's `task::id` / `task::try_id` do; the trace uses it as the parent of a
//! spawn.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Ids reserved per thread at a time.
const BLOCK: u64 = 1024;

/// The next unreserved id (plain std atomic: an id generator, not a protocol to model).
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's reserved range `[next, end)`.
    static RANGE: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    /// The task being polled on this thread (0: none).
    static CURRENT: Cell<u64> = const { Cell::new(0) };
}

/// A task's identity: unique among all tasks of the process, assigned at spawn.
///
/// ```
/// let rt = spindle::Runtime::new().unwrap();
/// rt.block_on(async {
///     let h = spindle::spawn(async { spindle::task::id() });
///     let id = h.id();
///     assert_eq!(h.await.unwrap(), id);
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

impl Id {
    /// A fresh id (see the module header).
    pub(crate) fn next() -> Id {
        RANGE.with(|r| {
            let (mut next, mut end) = r.get();
            if next == end {
                next = NEXT_BLOCK.fetch_add(BLOCK, Relaxed);
                end = next + BLOCK;
            }
            r.set((next + 1, end));
            Id(NonZeroU64::new(next).expect("task ids start at 1"))
        })
    }

    /// The number behind the id (what the trace records).
    pub fn as_u64(&self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of the task this code runs in.
///
/// # Panics
/// Outside a task (e.g. directly in `block_on`'s future): use [`try_id`] there.
pub fn id() -> Id {
    try_id().unwrap_or_else(|| {
        panic!(
            "spindle::task::id called outside a task; call it from inside a spawned task, \
             or use spindle::task::try_id, which returns None there"
        )
    })
}

/// The id of the task this code runs in, or `None` outside a task.
pub fn try_id() -> Option<Id> {
    NonZeroU64::new(CURRENT.with(Cell::get)).map(Id)
}

/// Marks `id` as the task being polled until the guard drops.
pub(crate) fn enter(id: Id) -> CurrentGuard {
    CurrentGuard(CURRENT.with(|c| c.replace(id.as_u64())))
}

/// Restores the previously current task on drop (also on unwind).
pub(crate) struct CurrentGuard(u64);

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_across_threads_and_never_zero() {
        // More than one block per thread outside Miri (which is ~1000x slower).
        const PER_THREAD: usize = if cfg!(miri) { 100 } else { 2000 };
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    (0..PER_THREAD)
                        .map(|_| Id::next().as_u64())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let ids: Vec<u64> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
        assert!(sorted[0] >= 1);
    }

    #[test]
    fn current_id_nests_and_restores() {
        assert_eq!(try_id(), None);
        let (a, b) = (Id::next(), Id::next());
        {
            let _g = enter(a);
            assert_eq!(id(), a);
            {
                let _g = enter(b);
                assert_eq!(try_id(), Some(b));
            }
            assert_eq!(try_id(), Some(a));
        }
        assert_eq!(try_id(), None);
    }
}
