//! [`Activity`]: the part of a task header that the task dump reads: where the task was
//! spawned (and its name), how often and how recently it was polled, what it waits on.
//!
//! ## Fields and who writes them
//! - `origin`: written once, by the spawning API right after the spawn (it holds the
//!   `JoinHandle`, so the task is alive). Either null (not recorded yet: the dump prints
//!   `?`), a `&'static Location` (bit 0 clear), or, for a named task, a leaked
//!   `Box<Named>` tagged with bit 0 (one side allocation, only for named tasks; freed
//!   when the task cell is freed). `Location` is 8-byte aligned, so bit 0 is free.
//! - `polls`, `last_poll_ms`: written by the thread that holds RUNNING, at the start of
//!   each poll (a load and a store, not a read-modify-write: only that thread writes).
//! - `wait`: the wait slot (`crate::wait`), written by the poller (and the leaves it
//!   polls).
//!
//! The dump reads all four from another thread while the task runs. They are plain
//! relaxed atomics (std, not the loom shim: diagnostics, not part of any protocol), so
//! each read is of some value that was written; the dump only promises a snapshot that
//! each field was true at some moment during the walk, not that the four agree.
//! `origin` is read with Acquire and published with Release, so the `Named` box behind
//! it is seen initialised. See docs/task-dump.md.
//!
//! Size: 24 bytes per task (8 + 4 + 4 + 8).

use std::panic::Location;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering::*};

/// A named task's origin (the one side allocation; see the module header).
struct Named {
    location: &'static Location<'static>,
    name: Box<str>,
}

/// See the module header.
pub(crate) struct Activity {
    origin: AtomicPtr<()>,
    polls: AtomicU32,
    last_poll_ms: AtomicU32,
    pub(crate) wait: AtomicU64,
}

/// What the dump reads of one task.
pub(crate) struct ActivitySnapshot {
    pub(crate) location: Option<&'static Location<'static>>,
    pub(crate) name: Option<String>,
    pub(crate) polls: u32,
    pub(crate) last_poll_ms: u32,
    pub(crate) wait: crate::wait::Wait,
}

impl Activity {
    pub(crate) fn new() -> Activity {
        Activity {
            origin: AtomicPtr::new(std::ptr::null_mut()),
            polls: AtomicU32::new(0),
            // Not stamped here: a clock read per spawn for a value the first poll
            // overwrites. `polls == 0` tells the dump the task has not been polled.
            last_poll_ms: AtomicU32::new(0),
            wait: AtomicU64::new(0),
        }
    }

    /// Records where the task was spawned and its name (once, by the spawning API).
    #[inline]
    pub(crate) fn set_origin(&self, location: &'static Location<'static>, name: Option<&str>) {
        let ptr = match name {
            None => location as *const Location<'static> as *mut (),
            Some(name) => {
                let named = Box::new(Named {
                    location,
                    name: name.into(),
                });
                Box::into_raw(named).map_addr(|a| a | 1).cast::<()>()
            }
        };
        // Called exactly once per task, by the spawning API that holds the new task's
        // JoinHandle (spawn.rs, handle.rs, task_builder.rs): the slot is still null, so
        // a plain Release store publishes the value (a swap, to free an earlier box,
        // would be a locked read-modify-write on every spawn for a case that never
        // happens).
        debug_assert!(
            self.origin.load(Relaxed).is_null(),
            "set_origin called twice"
        );
        self.origin.store(ptr, Release);
    }

    /// The poller, at the start of each poll (it holds RUNNING: the only writer).
    #[inline]
    pub(crate) fn begin_poll(&self) {
        self.polls
            .store(self.polls.load(Relaxed).wrapping_add(1), Relaxed);
        self.last_poll_ms.store(crate::wait::coarse_ms(), Relaxed);
    }

    /// Reads the fields (from any thread; the task must be alive).
    pub(crate) fn snapshot(&self) -> ActivitySnapshot {
        let origin = self.origin.load(Acquire);
        let (location, name) = if origin.is_null() {
            (None, None)
        } else if origin.addr() & 1 == 0 {
            // SAFETY: an untagged origin is a `&'static Location` (set_origin).
            (
                Some(unsafe { &*(origin as *const Location<'static>) }),
                None,
            )
        } else {
            // SAFETY: a tagged origin is a live `Named` box: it is freed only when it is
            // replaced (never, in spindle) or when the task is freed, and the caller keeps
            // the task alive.
            let named = unsafe { &*origin.map_addr(|a| a & !1).cast::<Named>() };
            (Some(named.location), Some(named.name.to_string()))
        };
        ActivitySnapshot {
            location,
            name,
            polls: self.polls.load(Relaxed),
            last_poll_ms: self.last_poll_ms.load(Relaxed),
            wait: crate::wait::Wait::unpack(self.wait.load(Relaxed)),
        }
    }
}

/// # Safety
/// `ptr` is null, a `&'static Location`, or a tagged `Box<Named>` nobody else uses.
unsafe fn free_origin(ptr: *mut ()) {
    if ptr.addr() & 1 == 1 {
        // SAFETY: per the contract, a tagged pointer is a box only we hold.
        drop(unsafe { Box::from_raw(ptr.map_addr(|a| a & !1).cast::<Named>()) });
    }
}

impl Drop for Activity {
    fn drop(&mut self) {
        // SAFETY: the task cell is being freed: nobody else reads the origin.
        unsafe { free_origin(*self.origin.get_mut()) };
    }
}
