//! The owned-tasks list: every live task of a runtime, so that shutdown can find and
//! cancel tasks that sit in no queue (idle tasks waiting for a wake that never comes).
//!
//! An intrusive doubly linked list threaded through each task's header (`Header::owned`),
//! split into shards picked by the task's address so that spawns and completions on
//! different workers rarely take the same lock (tokio's `OwnedTasks` over a sharded
//! list is the model). Each shard is a `Mutex`; a push or an unlink is O(1).
//!
//! States of a shard: *open* (tasks may be bound) and *closed* (set once by shutdown;
//! `bind` then refuses and the caller cancels the new task at once).
//!
//! Invariants:
//! 1. The list holds one reference to each task in it (counted in `state::INITIAL`).
//! 2. A task's `Links` are read or written only under the lock of the shard its address
//!    maps to.
//! 3. A task is in its shard iff `prev` is set or it is the shard's head.

use std::ptr::NonNull;

use crossbeam_utils::CachePadded;

use super::raw::{Header, RawTask};
use crate::loom::sync::Mutex;

/// Intrusive links, inside each task header.
#[derive(Default)]
pub(crate) struct Links {
    prev: Option<NonNull<Header>>,
    next: Option<NonNull<Header>>,
}

struct Shard {
    head: Option<NonNull<Header>>,
    len: usize,
    closed: bool,
}

// SAFETY: a shard only holds pointers to task headers, which are Send + Sync (all
// shared access goes through atomics or this lock), and only touches links under its lock.
unsafe impl Send for Shard {}

/// Every task bound to one runtime.
pub(crate) struct OwnedTasks {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
}

fn links(task: NonNull<Header>) -> *mut Links {
    // SAFETY: the task is live (the list holds a reference, invariant 1) and the caller
    // holds the shard lock (invariant 2); `with_mut` gives the raw pointer only.
    unsafe { task.as_ref() }.owned.with_mut(|p| p)
}

impl OwnedTasks {
    /// A list with at least `shards` shards (rounded up to a power of two).
    pub(crate) fn new(shards: usize) -> OwnedTasks {
        let n = shards.max(1).next_power_of_two();
        OwnedTasks {
            shards: (0..n)
                .map(|_| {
                    CachePadded::new(Mutex::new(Shard {
                        head: None,
                        len: 0,
                        closed: false,
                    }))
                })
                .collect(),
        }
    }

    fn shard(&self, task: RawTask) -> &Mutex<Shard> {
        // Tasks are at least 64-byte aligned in practice; skip the always-equal low bits.
        &self.shards[(task.addr() >> 6) & (self.shards.len() - 1)]
    }

    /// Adds a new task (taking over the list's reference). Returns false if the list is
    /// closed: the caller must then shut the task down with that reference.
    pub(crate) fn bind(&self, task: RawTask) -> bool {
        let mut s = self.shard(task).lock().unwrap();
        if s.closed {
            return false;
        }
        let l = links(task.0);
        // SAFETY: we hold the shard lock (invariant 2); the new task is in no list.
        unsafe {
            (*l).prev = None;
            (*l).next = s.head;
            if let Some(old) = s.head {
                (*links(old)).prev = Some(task.0);
            }
        }
        s.head = Some(task.0);
        s.len += 1;
        true
    }

    /// Unlinks a task that finished. Returns true if it was in the list (the caller then
    /// drops the list's reference), false if shutdown already popped it.
    pub(crate) fn remove(&self, task: RawTask) -> bool {
        let mut s = self.shard(task).lock().unwrap();
        let l = links(task.0);
        // SAFETY: shard lock held (invariant 2).
        unsafe {
            let Links { prev, next } = std::mem::take(&mut *l);
            match prev {
                Some(p) => (*links(p)).next = next,
                None if s.head == Some(task.0) => s.head = next,
                None => return false, // not in the list (invariant 3)
            }
            if let Some(n) = next {
                (*links(n)).prev = prev;
            }
        }
        s.len -= 1;
        true
    }

    /// Closes every shard, then pops each task and shuts it down (cancelling it if idle;
    /// a running task is marked CANCELLED and its poller cancels it). Each popped task's
    /// list reference is handed to `shutdown`.
    pub(crate) fn close_and_shutdown_all(&self) {
        for shard in self.shards.iter() {
            shard.lock().unwrap().closed = true;
        }
        for shard in self.shards.iter() {
            loop {
                // Pop under the lock, shut down outside it: cancelling drops the future,
                // which may wake or complete other tasks of this same shard.
                let task = {
                    let mut s = shard.lock().unwrap();
                    let Some(head) = s.head else { break };
                    // SAFETY: shard lock held (invariant 2).
                    unsafe {
                        let Links { next, .. } = std::mem::take(&mut *links(head));
                        s.head = next;
                        if let Some(n) = next {
                            (*links(n)).prev = None;
                        }
                    }
                    s.len -= 1;
                    RawTask(head)
                };
                // SAFETY: we own the reference the list held (invariant 1).
                unsafe { (task.vtable().shutdown)(task.0) };
            }
        }
    }

    /// Calls `f` with each task in the list, one shard lock at a time (the task dump).
    /// The lock keeps every task visited alive (the list's reference, invariant 1) and
    /// its links stable (invariant 2); `f` only reads atomics of the header, so it cannot
    /// race with the task's poller (see docs/task-dump.md). Tasks bound or removed in a
    /// shard not yet (or already) visited are seen or missed: the walk is a snapshot per
    /// shard, not of the whole list.
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        for shard in self.shards.iter() {
            let s = shard.lock().unwrap();
            let mut cur = s.head;
            while let Some(task) = cur {
                f(RawTask(task));
                // SAFETY: shard lock held (invariant 2); `task` is in this shard.
                cur = unsafe { (*links(task)).next };
            }
        }
    }

    /// Number of tasks alive in this runtime.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap().len).sum()
    }
}
