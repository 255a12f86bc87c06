//! The scheduling decision of the multi-thread scheduler, in one room: where a
//! `Notified` goes, and whom to wake. Its one input besides the task is
//! [`Scheduled`] (why it is scheduled); its one question about the thread is "is this one
//! of my workers?" ([`with_worker`], from the per-thread `context::Local`).
//!
//! ```text
//!   why            on one of this runtime's workers                   whom to wake
//!   ─────────────  ───────────────────────────────────────────────  ─────────────────────────────
//!   Spawn / Wake   LIFO slot; its previous occupant -> local queue   one sleeper, if the previous
//!                                                                    occupant became stealable
//!   Spawn / Wake   during a driver turn (`in_driver`): local queue   nobody yet: after the turn the
//!                  (not the LIFO slot: the driver's wakes were not   worker wakes one if more than
//!                  caused by the task that just ran)                 it will run itself are queued
//!   Yield          the worker's `deferred` list (see worker.rs)      nobody
//!   any            from any other thread, or a worker draining at    one sleeper (`notify_parked`)
//!                  shutdown: the injector (`RemoteQueue` protocol)
//! ```
//! "One sleeper" is chosen by `idle.rs` (`worker_to_notify`), only if no worker is
//! already searching: a searcher will find the task itself (`docs/park-unpark.md`).
//! The trace records the scheduling on the scheduling thread's lane, or in the shared
//! list from other threads (`scheduler/scheduled.rs`), and every notify (`trace_notify`).

use std::future::Future;
use std::sync::Arc;

use super::Shared;
use super::worker::WorkerContext;
use crate::scheduler::common::{Common, Flavor};
use crate::scheduler::context;
use crate::scheduler::counters::bump;
use crate::scheduler::scheduled::Scheduled;
use crate::task::{JoinHandle, Notified};
use crate::trace::EventKind;

/// If `local` (this thread's `context::Local`) is a worker of `shared`'s runtime, runs
/// `f` with its context.
#[inline]
pub(super) fn with_worker<R>(
    shared: &Shared,
    local: context::Local,
    f: impl FnOnce(&WorkerContext) -> R,
) -> Option<R> {
    // SAFETY: `local.worker` is only ever set by `worker::run`, to a `WorkerContext` that
    // stays on that thread's stack until `run` resets it; `local` was read on this
    // thread, and the callers use it before returning.
    let ctx = unsafe { local.worker.cast::<WorkerContext>().as_ref() }?;
    std::ptr::eq(&*ctx.shared, shared).then(|| f(ctx))
}

impl Shared {
    /// Spawns `future` from a thread whose context is `local`.
    pub(crate) fn spawn<F>(
        me: &Arc<Shared>,
        local: context::Local,
        future: F,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = me.common.bind_new(future, me.clone());
        if let Some(notified) = notified {
            me.schedule_task(local, notified, Scheduled::Spawn);
        }
        // else shut down: the task is cancelled; its JoinHandle says so
        join
    }

    /// The decision of the module header.
    #[inline]
    fn schedule_task(&self, local: context::Local, task: Notified, why: Scheduled) {
        let mut task = Some(task);
        with_worker(self, local, |w| self.schedule_on_worker(w, &mut task, why));
        // Not one of our workers, or a worker draining its queues at shutdown.
        if let Some(task) = task {
            if why == Scheduled::Spawn {
                self.common.count_remote_spawn();
            }
            why.record_shared(&self.common.trace, &task);
            self.push_remote(task);
        }
    }

    /// On worker `w`: takes the task out of `task` unless `w` is draining its queues (its
    /// core is borrowed for good at shutdown).
    #[inline]
    fn schedule_on_worker(&self, w: &WorkerContext, task: &mut Option<Notified>, why: Scheduled) {
        let Ok(mut core) = w.core.try_borrow_mut() else {
            return;
        };
        let task = task.take().expect("task");
        why.record_on_lane(&w.trace, &task);
        if why == Scheduled::Spawn {
            bump(&self.remotes[w.index].counters.get().spawns, 1);
        }
        let made_stealable = if why == Scheduled::Yield {
            core.deferred.push(task);
            false
        } else if w.in_driver.get() {
            // Stealable, but nobody is woken yet: after the driver turn the worker
            // decides (`after_driver`), once it knows how many tasks the turn woke.
            core.local.push(task);
            false
        } else {
            match core.lifo.replace(task) {
                Some(prev) => {
                    core.local.push(prev);
                    true
                }
                None => false,
            }
        };
        drop(core);
        if made_stealable {
            self.notify_parked();
        }
    }

    /// From outside a worker: the injector, then maybe wake a worker.
    fn push_remote(&self, task: Notified) {
        if self.injector.push(task) {
            self.notify_parked();
        }
    }

    /// Wakes one sleeping worker if nobody is searching (see idle.rs).
    pub(super) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            if self.common.trace.is_on() {
                self.trace_notify(index);
            }
            self.remotes[index].unparker.unpark();
        }
    }

    /// Called by the last searcher before it parks: if any queue has work, wake someone.
    pub(super) fn notify_if_work_pending(&self) {
        let pending = !self.injector.storage().is_empty()
            || self.remotes.iter().any(|r| !r.stealer.is_empty());
        if pending {
            self.notify_parked();
        }
    }

    /// Records that the calling thread woke worker `target`: on its lane if it is a worker
    /// of this runtime, else in the shared list. Called only when tracing.
    fn trace_notify(&self, target: usize) {
        let event = EventKind::Notify {
            target: target as u32,
        };
        if with_worker(self, context::local(), |w| w.trace.record(|| event)).is_none() {
            self.common.trace.record_shared(|| event);
        }
    }
}

impl Flavor for Shared {
    #[inline]
    fn common(&self) -> &Common {
        &self.common
    }

    #[inline]
    fn schedule_task(&self, local: context::Local, task: Notified, why: Scheduled) {
        Shared::schedule_task(self, local, task, why);
    }
}
