//! `JoinSet`: a collection of spawned tasks, joined in the order they finish.
//!
//! ## How `join_next` finds a finished task without polling them all
//! Every member's `JoinHandle` is polled with a waker of its own (a small `Arc` naming
//! the member's slot). When a member's task completes, the runtime wakes that waker; it
//! pushes the slot onto the set's *ready list* and wakes whoever awaits `join_next`. So
//! `join_next` only polls handles on the ready list: O(1) per finished task, not O(n) per
//! call, however many tasks the set holds.
//!
//! States of a member's slot: *ready* (on the ready list: new members start there, so
//! their handle gets polled once and registers its waker), *waiting* (handle polled
//! `Pending`, its waker registered with the task), *free* (joined or never used).
//!
//! Invariant: a member is on the ready list at most once at a time (a flag per slot), so
//! the list never grows beyond the number of members.
//!
//! Dropping the set aborts every task still in it (`abort_all`); the tasks' futures are
//! dropped by the runtime, exactly once. The design is tokio's `JoinSet` (whose
//! `IdleNotifiedSet` keeps the members in intrusive lists); a slab of indices does the
//! same here without `unsafe`.

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use super::spawn::{spawn, spawn_blocking};
use crate::task::{AbortHandle, JoinError, JoinHandle};

/// A set of tasks spawned on the current runtime, joined as they finish.
///
/// ```
/// let rt = spindle::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut set = spindle::task::JoinSet::new();
///     for i in 0..10u32 {
///         set.spawn(async move { i * 2 });
///     }
///     let mut sum = 0;
///     while let Some(result) = set.join_next().await {
///         sum += result.unwrap();
///     }
///     assert_eq!(sum, 90);
/// });
/// ```
pub struct JoinSet<T> {
    members: Vec<Option<Member<T>>>,
    free: Vec<usize>,
    len: usize,
    notify: Arc<ReadyList>,
}

struct Member<T> {
    handle: JoinHandle<T>,
    waker: Waker,
}

/// Slots whose tasks may have finished, and the waker of the `join_next` caller.
#[derive(Default)]
struct ReadyList {
    inner: Mutex<ReadyInner>,
}

#[derive(Default)]
struct ReadyInner {
    ready: VecDeque<usize>,
    /// `queued[i]`: slot `i` is on `ready` (so it is never queued twice).
    queued: Vec<bool>,
    joiner: Option<Waker>,
}

/// The waker a member's `JoinHandle` is polled with.
struct MemberWaker {
    slot: usize,
    list: Arc<ReadyList>,
}

impl Wake for MemberWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let joiner = {
            let mut inner = self.list.lock();
            inner.push(self.slot);
            inner.joiner.take()
        };
        if let Some(joiner) = joiner {
            joiner.wake();
        }
    }
}

impl ReadyList {
    fn lock(&self) -> std::sync::MutexGuard<'_, ReadyInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ReadyInner {
    fn push(&mut self, slot: usize) {
        if self.queued.len() <= slot {
            self.queued.resize(slot + 1, false);
        }
        if !self.queued[slot] {
            self.queued[slot] = true;
            self.ready.push_back(slot);
        }
    }

    fn pop(&mut self) -> Option<usize> {
        let slot = self.ready.pop_front()?;
        self.queued[slot] = false;
        Some(slot)
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            members: Vec::new(),
            free: Vec::new(),
            len: 0,
            notify: Arc::new(ReadyList::default()),
        }
    }

    /// Number of tasks in the set (finished but not yet joined ones included).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Asks every task in the set to stop; their `join_next` results will say
    /// cancelled (or give the output of those that finished first).
    pub fn abort_all(&self) {
        for member in self.members.iter().flatten() {
            member.handle.abort();
        }
    }

    /// Aborts every task and waits until all have stopped, discarding their results.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Removes every task from the set without aborting them (they keep running,
    /// detached).
    pub fn detach_all(&mut self) {
        self.members.clear();
        self.free.clear();
        self.len = 0;
        self.notify = Arc::new(ReadyList::default());
    }

    /// Adds an already spawned task to the set.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let slot = self.free.pop().unwrap_or_else(|| {
            self.members.push(None);
            self.members.len() - 1
        });
        let waker = Waker::from(Arc::new(MemberWaker {
            slot,
            list: self.notify.clone(),
        }));
        self.members[slot] = Some(Member { handle, waker });
        self.len += 1;
        // New members start on the ready list, so their handle is polled (and registers
        // its waker) at the next `join_next`.
        self.notify.lock().push(slot);
        abort
    }

    /// Waits for the next task to finish and returns its result; `None` once the set is
    /// empty. Cancel-safe: dropping the future loses no result.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Polls for the next finished task.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        loop {
            let slot = {
                let mut inner = self.notify.lock();
                match inner.pop() {
                    Some(slot) => slot,
                    None => {
                        inner.joiner = Some(cx.waker().clone());
                        return Poll::Pending;
                    }
                }
            };
            let Some(member) = self.members[slot].as_mut() else {
                continue; // joined already (a late wake)
            };
            let mut member_cx = Context::from_waker(&member.waker);
            match Pin::new(&mut member.handle).poll(&mut member_cx) {
                Poll::Ready(result) => {
                    self.members[slot] = None;
                    self.free.push(slot);
                    self.len -= 1;
                    return Poll::Ready(Some(result));
                }
                Poll::Pending => {
                    // Not finished (the budget ran out, or a spurious wake). If the
                    // budget is spent the handle woke its waker, which re-queued the
                    // slot; yield so the caller's neighbours run.
                    if !crate::coop::has_budget_remaining() {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                }
            }
        }
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime (see [`spawn`]) and adds it to the set.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(spawn(future))
    }

    /// Runs `f` on the blocking pool (see [`spawn_blocking`]) and adds it to the set.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(spawn_blocking(f))
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}
