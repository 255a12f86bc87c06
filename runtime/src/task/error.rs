//! [`JoinError`]: why a task produced no output (it was cancelled, or it panicked).

use std::any::Any;
use std::fmt;

enum Repr {
    Cancelled,
    Panic(SyncPanic),
}

/// A panic payload made `Sync` by never handing out `&` to it (the idea of tokio's
/// `SyncWrapper`): only `&mut self` or `self` can reach the payload, so two threads can
/// never look at it at once.
struct SyncPanic(Box<dyn Any + Send + 'static>);

// SAFETY: `SyncPanic` hands its payload out only by value (`try_into_panic`); the one
// read through `&` (`message`) touches the payload only when it is a `&str` or `String`,
// which are `Sync`. So sharing `&SyncPanic` gives no access to `!Sync` contents.
unsafe impl Sync for SyncPanic {}

/// A task finished without an output: it was aborted (or dropped by runtime
/// shutdown), or its future panicked.
pub struct JoinError {
    repr: Repr,
}

impl JoinError {
    pub(crate) fn cancelled() -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            repr: Repr::Panic(SyncPanic(payload)),
        }
    }

    /// The task was aborted or the runtime shut down before it finished.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload; panics if the task was cancelled instead
    /// (check [`is_panic`](Self::is_panic) or use [`try_into_panic`](Self::try_into_panic)).
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic called on a cancelled task; check is_panic() first")
    }

    /// The panic payload, or the error back if the task was cancelled. Pass the payload
    /// to `std::panic::resume_unwind` to re-raise the task's panic.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(p) => Ok(p.0),
            Repr::Cancelled => Err(self),
        }
    }
}

/// The panic message, when the payload is a string (as `panic!("...")` makes it).
fn message(p: &SyncPanic) -> Option<&str> {
    // This does read through `&`, which the `Sync` argument above must allow for:
    // `downcast_ref` calls only `type_id` (a vtable function that does not touch the
    // payload) and then reads the payload only if it is a `&str` or `String`, both `Sync`.
    panic_message(&*p.0)
}

/// The message of any panic payload, when it is a string.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("task was cancelled"),
            Repr::Panic(p) => match message(p) {
                Some(m) => write!(f, "task panicked with message {m:?}"),
                None => f.write_str("task panicked"),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("JoinError::Cancelled"),
            Repr::Panic(p) => match message(p) {
                Some(m) => write!(f, "JoinError::Panic({m:?}, ..)"),
                None => f.write_str("JoinError::Panic(..)"),
            },
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> std::io::Error {
        std::io::Error::other(e.to_string())
    }
}
