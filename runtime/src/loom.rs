//! The one seam between spindle and the [loom] model checker.
//!
//! Every atomic, lock and cell that a *modelled* protocol of the runtime uses is
//! imported from here, never from `std` directly. In a normal build these are the `std`
//! types; under `RUSTFLAGS="--cfg loom"` they are loom's instrumented twins, so a loom
//! model explores every interleaving the protocol allows (the idea is tokio's
//! `src/loom/` module; see loom's README for the method, after the CDSChecker paper by
//! Norris and Demsky, 2013).
//!
//! The modelled protocols, each with its models beside it (test names start with
//! `loom_`): the task state word, cell and owned list (`task/state.rs`, `task/raw.rs`,
//! `task/list.rs`; models in `task/loom_tests.rs`), the remote queue's shutdown protocol
//! (`scheduler/remote.rs`), the idle workers' state (`scheduler/multi_thread/idle.rs`),
//! the parker (`park/parker.rs`), socket readiness (`driver/io/scheduled_io.rs`), and the
//! channels and wait lists of `sync/` (`batch_semaphore.rs`, `notify.rs`, `oneshot.rs`,
//! `watch.rs`, `mpsc/chan.rs`).
//!
//! Rules (what the code keeps, checked by reading: `grep -rn 'std::sync' runtime/src`):
//! 1. A modelled protocol imports `crate::loom::sync::{Arc, Mutex, Condvar, atomic::*}`,
//!    `crate::loom::cell::UnsafeCell` and `crate::loom::thread`, never `std::sync` etc.,
//!    and so does code that shares those types with it (the scheduler's queues and
//!    counters, which hold the modelled types).
//! 2. `UnsafeCell` is reached only through `with` / `with_mut`, which under loom record
//!    every access, so a model fails on a data race instead of silently passing.
//! 3. Capacities that bound a model's state space (queue lengths, batch sizes) are
//!    chosen through [`capacity`], smaller under loom.
//! 4. Code that no model runs uses `std` directly, as in the pool's shim: the drivers'
//!    registration table and wheel lock and the driver slot (epoll is not modelled), the
//!    blocking-pool bridge and thread launch (real threads), the `JoinSet`'s ready list,
//!    a `LocalSet`'s waker slot, the task-id allocator, the thread parking of
//!    `sync/blocking.rs`, `sync/mutex.rs` and `sync/rwlock.rs`'s data cells (their wait
//!    lists are the modelled part), and every `Arc` that only shares ownership. A
//!    loom type there would buy nothing (no model runs it) and would make that code
//!    unusable in a `--cfg loom` build outside `loom::model`.
#![allow(unused_imports, dead_code)]

#[cfg(loom)]
pub(crate) use loom::{hint, thread};
#[cfg(not(loom))]
pub(crate) use std::{hint, thread};

/// Locks, reference counts and atomics.
pub(crate) mod sync {
    #[cfg(loom)]
    pub(crate) use loom::sync::{
        Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    };
    #[cfg(not(loom))]
    pub(crate) use std::sync::{
        Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    };

    /// Atomic integers and fences.
    pub(crate) mod atomic {
        #[cfg(loom)]
        pub(crate) use loom::sync::atomic::{
            AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
        };
        #[cfg(not(loom))]
        pub(crate) use std::sync::atomic::{
            AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
        };
    }
}

/// Interior mutability whose accesses loom can check.
pub(crate) mod cell {
    #[cfg(loom)]
    pub(crate) use loom::cell::UnsafeCell;

    /// `std::cell::UnsafeCell` with loom's closure-based API, so that the same protocol
    /// code compiles against both.
    #[cfg(not(loom))]
    #[derive(Debug)]
    #[repr(transparent)]
    pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

    #[cfg(not(loom))]
    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }
    }

    #[cfg(not(loom))]
    impl<T: ?Sized> UnsafeCell<T> {
        /// Runs `f` with a shared raw pointer to the contents.
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a mutable raw pointer to the contents.
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

/// Picks a capacity: `normal` in real builds, `under_loom` in loom models, where every
/// extra slot multiplies the interleavings to explore.
pub(crate) const fn capacity(normal: usize, under_loom: usize) -> usize {
    if cfg!(loom) { under_loom } else { normal }
}
