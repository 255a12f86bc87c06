//! The task cell: the one heap allocation behind a spawned task, and the type-erased
//! pointer ([`RawTask`]) through which schedulers, wakers and handles reach it.
//!
//! ```text
//!  NonNull<Header> ──► ┌──────────────────────── Cell<F, S> (repr(C)) ───────────┐
//!                      │ Header  { state, vtable, id, owned-list links, activity } │
//!                      │ scheduler: S      (set at spawn, read-only after)         │
//!                      │ stage: Running(F) | Finished(Result<Output>) | Consumed   │
//!                      │ join_waker: Option<Waker>                                 │
//!                      └───────────────────────────────────────────────────────────┘
//! ```
//!
//! Because `Cell` is `repr(C)` with the header first, a pointer to the cell is a pointer
//! to the header, so every holder stores one thin pointer and the code specialised for
//! `F` and `S` is reached through `header.vtable` (the same trick as async-task's
//! `raw.rs` and tokio's `task/raw.rs`). The future and its output share the `stage`
//! slot: a task never holds both.

use std::future::Future;
use std::ptr::NonNull;
use std::task::Waker;

use super::list::Links;
use super::state::State;
use super::{JoinError, Schedule};
use crate::loom::cell::UnsafeCell;

/// The part of every task that does not depend on its future's type.
#[repr(C)]
pub(crate) struct Header {
    pub(super) state: State,
    pub(super) vtable: &'static Vtable,
    /// The task's identity (assigned at spawn, never changes).
    pub(super) id: super::Id,
    /// Links of the owned-tasks list; read and written only under that list's shard lock.
    pub(super) owned: UnsafeCell<Links>,
    /// Origin, poll count, last poll, wait slot: what the task dump reads (`activity.rs`).
    pub(super) activity: super::activity::Activity,
}

/// What a task is doing with its future-or-output slot.
pub(super) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// The whole allocation.
#[repr(C)]
pub(super) struct Cell<F: Future, S> {
    pub(super) header: Header,
    pub(super) scheduler: S,
    pub(super) stage: UnsafeCell<Stage<F>>,
    pub(super) join_waker: UnsafeCell<Option<Waker>>,
}

/// The functions specialised for one `(F, S)` pair.
pub(crate) struct Vtable {
    /// Consumes a `Notified`'s reference: polls (or cancels) the task. Returns true if
    /// the task finished (completed, panicked or was cancelled) in this call.
    pub(super) poll: unsafe fn(NonNull<Header>) -> bool,
    /// Hands a `Notified` (reference already counted) to the task's scheduler.
    pub(super) schedule: unsafe fn(NonNull<Header>),
    /// Frees the allocation (reference count reached zero).
    pub(super) dealloc: unsafe fn(NonNull<Header>),
    /// JoinHandle::poll: writes `Poll<Result<T, JoinError>>` through the `*mut ()`.
    pub(super) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// JoinHandle::drop when the one-CAS fast path failed.
    pub(super) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    /// Runtime shutdown: consumes one reference, cancels the task if idle.
    pub(super) shutdown: unsafe fn(NonNull<Header>),
}

impl<F, S> Cell<F, S>
where
    F: Future + 'static,
    S: Schedule,
{
    /// Allocates a new task; the returned pointer carries the three initial references
    /// (see `state::INITIAL`).
    pub(super) fn allocate(future: F, scheduler: S, id: super::Id) -> NonNull<Header> {
        let cell = Box::new(Cell {
            header: Header {
                state: State::new(),
                vtable: &Self::VTABLE,
                id,
                owned: UnsafeCell::new(Links::default()),
                activity: super::activity::Activity::new(),
            },
            scheduler,
            stage: UnsafeCell::new(Stage::Running(future)),
            join_waker: UnsafeCell::new(None),
        });
        // `repr(C)` puts the header at offset 0, so the cast is a pointer to the header
        // whose provenance covers the whole cell.
        NonNull::from(Box::leak(cell)).cast()
    }

    const VTABLE: Vtable = Vtable {
        poll: super::harness::poll::<F, S>,
        schedule: super::harness::schedule::<F, S>,
        dealloc: super::harness::dealloc::<F, S>,
        try_read_output: super::harness::try_read_output::<F, S>,
        drop_join_handle_slow: super::harness::drop_join_handle_slow::<F, S>,
        shutdown: super::harness::shutdown::<F, S>,
    };
}

/// A thin, copyable, type-erased pointer to a task. It owns nothing by itself; the
/// wrappers that do own a reference ([`Notified`](super::Notified), `JoinHandle`,
/// `AbortHandle`, a `Waker`, the owned-tasks list) are built on it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RawTask(pub(super) NonNull<Header>);

impl RawTask {
    pub(super) fn header(&self) -> &Header {
        // SAFETY: a RawTask is only used while some reference to the task is held (by
        // the caller's wrapper), so the allocation is live; the header is only ever
        // accessed through shared references (its mutable parts are atomics or UnsafeCells).
        unsafe { self.0.as_ref() }
    }

    pub(super) fn vtable(&self) -> &'static Vtable {
        self.header().vtable
    }

    pub(super) fn id(&self) -> super::Id {
        self.header().id
    }

    /// Address used to pick the owned-tasks shard.
    pub(super) fn addr(&self) -> usize {
        self.0.as_ptr() as usize
    }
}
