//! [`Builder`]: spawn a task with a name, like `tokio::task::Builder`.
//!
//! A name costs nothing unless the runtime is traced: then it is handed to the trace
//! recorder (`Recorder::name_task`, off the hot path: a map insert under a lock), and
//! the Chrome trace and the SVG timeline label the task's bars with it. Untraced, the
//! name is dropped after one branch.
//!
//! Unlike the free functions (`spindle::spawn`, `spawn_local`, `spawn_blocking`), which
//! panic when misused, the builder returns an `io::Result`, so a library can report "no
//! runtime here" as an error.

use std::future::Future;
use std::io;

use super::Handle;
use crate::scheduler::{self, context};
use crate::task::JoinHandle;

/// Configures a task before spawning it. See the module docs.
///
/// ```
/// let rt = spindle::Runtime::new().unwrap();
/// let n = rt.block_on(async {
///     let h = spindle::task::Builder::new().name("answer").spawn(async { 42 }).unwrap();
///     h.await.unwrap()
/// });
/// assert_eq!(n, 42);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

fn no_runtime(what: &str) -> io::Error {
    io::Error::other(format!(
        "task::Builder::{what} called outside a spindle runtime; call it from inside \
         Runtime::block_on or a task, or use the *_on variant with a Handle"
    ))
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed task.
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// Names the task (shown in traces).
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    /// Records the spawn location and the name in the task (for the task dump) and
    /// hands the name to the trace.
    #[track_caller]
    fn named<T>(&self, handle: Option<&scheduler::Handle>, join: &JoinHandle<T>) {
        join.set_origin(std::panic::Location::caller(), self.name);
        if let (Some(name), Some(handle)) = (self.name, handle) {
            handle.name_task(join.id(), name);
        }
    }

    /// Spawns `future` on the current runtime (see [`spawn`](crate::spawn)).
    ///
    /// Errors: outside a runtime.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = context::with_current(Clone::clone).ok_or_else(|| no_runtime("spawn"))?;
        let join = handle.spawn(future);
        self.named(Some(&handle), &join);
        Ok(join)
    }

    /// Spawns `future` on the runtime of `handle` (from any thread).
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let join = handle.inner.spawn(future);
        self.named(Some(&handle.inner), &join);
        Ok(join)
    }

    /// Spawns a `!Send` future on the [`LocalSet`](crate::task::LocalSet) running on this
    /// thread (see [`spawn_local`](crate::task::spawn_local)).
    ///
    /// Errors: outside a running `LocalSet`.
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let join = scheduler::local::try_spawn_local(future).ok_or_else(|| {
            io::Error::other(
                "task::Builder::spawn_local called outside a LocalSet; run it inside \
                 LocalSet::run_until or LocalSet::block_on",
            )
        })?;
        let handle = context::with_current(Clone::clone);
        self.named(handle.as_ref(), &join);
        Ok(join)
    }

    /// Runs the blocking closure `f` on the current runtime's blocking pool (see
    /// [`spawn_blocking`](crate::task::spawn_blocking)).
    ///
    /// Errors: outside a runtime.
    #[track_caller]
    pub fn spawn_blocking<Fn, R>(self, f: Fn) -> io::Result<JoinHandle<R>>
    where
        Fn: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let handle =
            context::with_current(Clone::clone).ok_or_else(|| no_runtime("spawn_blocking"))?;
        let join = handle.spawn_blocking(f);
        self.named(Some(&handle), &join);
        Ok(join)
    }

    /// Runs the blocking closure `f` on the blocking pool of `handle`'s runtime.
    #[track_caller]
    pub fn spawn_blocking_on<Fn, R>(self, f: Fn, handle: &Handle) -> io::Result<JoinHandle<R>>
    where
        Fn: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let join = handle.inner.spawn_blocking(f);
        self.named(Some(&handle.inner), &join);
        Ok(join)
    }
}
