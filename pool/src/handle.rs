//! `JobHandle<T>`: the result of [`ThreadPool::spawn`](crate::ThreadPool::spawn), to
//! block on or to `.await`; and `JobError`, why a job produced no value.
//!
//! A handle shares the job's allocation (`spawn.rs`) and reads its result cell
//! (`completion.rs`). Three ways to
//! get the value:
//! - [`JobHandle::join`] blocks. On a pool worker it keeps running other jobs of its
//!   pool while it waits (so a job that joins another job on a one-thread pool does
//!   not deadlock); on any other thread it parks (no spinning). See `wait.rs`.
//! - `.await` — `JobHandle` is a `Future` (`Send` when `T: Send`, and `Unpin`), usable
//!   from any executor: the pool wakes the waker of the latest poll.
//! - [`JobHandle::is_finished`] peeks without blocking.
//!
//! Dropping a handle detaches the job: it still runs, and its result is dropped.

use crate::spawn::ResultCell;
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A handle to a job started with [`ThreadPool::spawn`](crate::ThreadPool::spawn).
///
/// ```
/// let pool = spindle_pool::ThreadPool::new(2).unwrap();
/// let handle = pool.spawn(|| 6 * 7);
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
#[must_use = "dropping a JobHandle detaches the job; call join() or .await it to get the result"]
pub struct JobHandle<T> {
    job: Arc<dyn ResultCell<T>>,
}

impl<T> JobHandle<T> {
    pub(crate) fn new(job: Arc<dyn ResultCell<T>>) -> JobHandle<T> {
        JobHandle { job }
    }

    /// Blocks until the job has finished and returns its value, or the [`JobError`]
    /// saying why there is none (it panicked, or the pool was shut down before `spawn`).
    pub fn join(self) -> Result<T, JobError> {
        let cell = self.job.completion();
        crate::wait::wait_until(&|| cell.is_finished(), &|waker| cell.register(waker));
        cell.take()
            .expect("the job's result was already taken: JobHandle::join after the handle was polled to completion")
    }

    /// Whether the job has finished (successfully or not); never blocks.
    pub fn is_finished(&self) -> bool {
        self.job.completion().is_finished()
    }
}

impl<T> Future for JobHandle<T> {
    type Output = Result<T, JobError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.job.completion().poll(cx)
    }
}

impl<T> fmt::Debug for JobHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

enum Repr {
    Panic(Box<dyn Any + Send + 'static>),
    Rejected,
}

/// Why a spawned job produced no value.
pub struct JobError {
    repr: Repr,
}

impl JobError {
    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> JobError {
        JobError {
            repr: Repr::Panic(payload),
        }
    }

    pub(crate) fn rejected() -> JobError {
        JobError {
            repr: Repr::Rejected,
        }
    }

    /// The job panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The job was spawned after the pool was shut down, and never ran.
    pub fn is_rejected(&self) -> bool {
        matches!(self.repr, Repr::Rejected)
    }

    /// The panic payload, to inspect or to `std::panic::resume_unwind`.
    ///
    /// # Panics
    /// If the error is not a panic (check [`JobError::is_panic`] first).
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.repr {
            Repr::Panic(payload) => payload,
            Repr::Rejected => {
                panic!("JobError::into_panic on a rejected job; check is_panic() first")
            }
        }
    }

    /// The panic payload, or the error back if it is not a panic.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JobError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload),
            Repr::Rejected => Err(self),
        }
    }
}

/// The message of a panic payload, when it is a string (what `panic!` produces).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "<non-string panic payload>"
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Panic(p) => write!(f, "job panicked: {}", panic_message(&**p)),
            Repr::Rejected => f.write_str("job rejected: the thread pool is shut down"),
        }
    }
}

impl fmt::Debug for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Panic(p) => f
                .debug_tuple("JobError::Panic")
                .field(&panic_message(&**p))
                .finish(),
            Repr::Rejected => f.write_str("JobError::Rejected"),
        }
    }
}

impl std::error::Error for JobError {}
