//! [`LocalSet`] and [`spawn_local`]: tasks whose futures are not `Send`.
//!
//! A `!Send` future must be polled and dropped on the thread that created it. A
//! `LocalSet` is a small scheduler of its own that never leaves its thread (it is
//! `!Send`): its tasks run only while the future returned by [`LocalSet::run_until`] is
//! being polled on that thread (typically inside `Runtime::block_on`, on either runtime
//! flavour), and whatever is left is cancelled when the `LocalSet` is dropped, on that
//! same thread. This is tokio's `LocalSet` design.
//!
//! Wakes on the owning thread, while the set is running, push to its local queue; wakes
//! from anywhere else push to a mutex-protected remote queue and wake the task (or
//! `block_on`) that polls `run_until`.
//!
//! Why this is sound although a `Notified` is `Send`: a local task's future is only ever
//! touched by the thread holding its RUNNING bit, and that is always the owner thread
//! (tasks are only run by `run_until`, and shutdown runs in `LocalSet::drop`). Another
//! thread may drop a queue entry, but that only drops a reference, and the last reference
//! of a task can only go after it completed (the owned list holds one until then), when
//! its future is already gone. The output of a `!Send` type stays with a `JoinHandle`
//! that is itself `!Send`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::context;
use super::remote::{Locked, RemoteQueue, Storage};
use crate::coop;
use crate::task::list::OwnedTasks;
use crate::task::{self, JoinHandle, Notified, RawTask, Schedule};

/// Tasks polled per poll of `run_until` before it yields to its own scheduler.
const MAX_TASKS_PER_TICK: usize = 61;

/// A set of `!Send` tasks bound to the current thread. See the module docs.
///
/// ```
/// use std::rc::Rc;
/// use spindle::task::{LocalSet, spawn_local};
///
/// let rt = spindle::runtime::Builder::new_current_thread().build().unwrap();
/// let local = LocalSet::new();
/// let v = local.block_on(&rt, async {
///     let shared = Rc::new(5); // Rc is !Send
///     let s2 = shared.clone();
///     spawn_local(async move { *s2 * 2 }).await.unwrap()
/// });
/// assert_eq!(v, 10);
/// ```
pub struct LocalSet {
    shared: Arc<LocalShared>,
    queue: Rc<RefCell<VecDeque<Notified>>>,
    /// Registered with the runtime it runs on, for the task dump (`Common::local_sets`).
    registered: Cell<bool>,
    _not_send: PhantomData<*const ()>,
}

/// The part of a `LocalSet` that wakers on other threads reach.
pub(crate) struct LocalShared {
    /// Wakes from other threads; closed when the set is dropped (`scheduler/remote.rs`).
    remote: RemoteQueue<Locked<Notified>>,
    owned: OwnedTasks,
    /// The waker of whoever polls `run_until`.
    waker: Mutex<Option<Waker>>,
}

/// The running set, reachable from wakers and `spawn_local` on its thread.
#[derive(Clone, Copy)]
struct Running {
    shared: *const LocalShared,
    set: *const LocalSet,
}

thread_local! {
    static CURRENT: Cell<Running> = const {
        Cell::new(Running { shared: std::ptr::null(), set: std::ptr::null() })
    };
}

impl Default for LocalSet {
    fn default() -> Self {
        LocalSet::new()
    }
}

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        LocalSet {
            shared: Arc::new(LocalShared {
                remote: RemoteQueue::new(Locked::new()),
                owned: OwnedTasks::new(1),
                waker: Mutex::new(None),
            }),
            queue: Rc::new(RefCell::new(VecDeque::new())),
            registered: Cell::new(false),
            _not_send: PhantomData,
        }
    }

    /// Spawns a `!Send` task on this set; it runs while the set runs (`run_until`).
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let join = self.spawn_unrecorded(future);
        join.set_origin(std::panic::Location::caller(), None);
        join
    }

    /// The spawn itself; the caller records the task's origin (`set_origin` is called
    /// once per task, by whichever public API the user called).
    fn spawn_unrecorded<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (join, notified) = task::bind_new(&self.shared.owned, future, self.shared.clone());
        if let Some(notified) = notified {
            self.queue.borrow_mut().push_back(notified);
            if let Some(w) = self.shared.waker.lock().unwrap().as_ref() {
                w.wake_by_ref();
            }
        }
        join
    }

    /// Runs `future` to completion, running this set's tasks while it waits.
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| self.poll_run(future.as_mut(), cx)).await
    }

    fn poll_run<F: Future>(&self, future: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if !self.registered.get() {
            // Once, on the first run inside a runtime: let its dump find our tasks.
            if let Some(()) = context::with_current(|h| {
                let weak = Arc::downgrade(&self.shared);
                h.common().local_sets.lock().unwrap().push(weak);
            }) {
                self.registered.set(true);
            }
        }
        *self.shared.waker.lock().unwrap() = Some(cx.waker().clone());
        let prev = CURRENT.with(|c| {
            c.replace(Running {
                shared: &*self.shared,
                set: self,
            })
        });
        struct Restore(Running);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(prev);
        if let Poll::Ready(out) = future.poll(cx) {
            return Poll::Ready(out);
        }
        for _ in 0..MAX_TASKS_PER_TICK {
            let next = self
                .queue
                .borrow_mut()
                .pop_front()
                .or_else(|| self.shared.remote.storage().pop());
            match next {
                Some(task) => {
                    coop::with_budget(|| task.run());
                }
                None => return Poll::Pending,
            }
        }
        // More may be queued: let the outer scheduler run others, then come back.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl LocalShared {
    /// The set's tasks (the task dump walks them from any thread).
    pub(crate) fn owned(&self) -> &OwnedTasks {
        &self.owned
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        // On the owner thread (LocalSet is !Send): cancel every task, dropping futures here.
        self.shared.remote.close();
        let prev = CURRENT.with(|c| {
            c.replace(Running {
                shared: &*self.shared,
                set: self,
            })
        });
        self.shared.owned.close_and_shutdown_all();
        CURRENT.with(|c| c.set(prev));
        self.queue.borrow_mut().clear();
        self.shared.remote.drain();
        self.shared.waker.lock().unwrap().take();
    }
}

impl Schedule for Arc<LocalShared> {
    fn schedule(&self, task: Notified) {
        let local = CURRENT.with(|c| {
            let r = c.get();
            // SAFETY: `set` is non-null only while `poll_run` or `drop` of that LocalSet
            // runs on this thread, keeping it alive.
            (std::ptr::eq(r.shared, &**self)).then(|| unsafe { &*r.set })
        });
        if let Some(set) = local {
            if self.remote.is_closed_seqcst() {
                return; // dropping the set: the entry is only a reference
            }
            set.queue.borrow_mut().push_back(task);
            return;
        }
        if !self.remote.push(task) {
            return; // the set was dropped: `push` drained the entry
        }
        if let Some(w) = self.waker.lock().unwrap().as_ref() {
            w.wake_by_ref();
        }
    }

    fn release(&self, task: RawTask) -> bool {
        self.owned.remove(task)
    }

    /// A `LocalSet` task panicked: report it to the runtime this thread is in, if any
    /// (`Builder::unhandled_panic`, `scheduler/panic_policy.rs`). Its `block_on` then
    /// panics and cancels the runtime's tasks; the set's own tasks are dropped with the
    /// set, which the unwinding `block_on` (or its caller) drops.
    fn task_panicked(&self, id: task::Id, payload: &(dyn std::any::Any + Send)) {
        super::context::with_current(|h| h.common().panic_policy.task_panicked(id, payload));
    }
}

/// Spawns a `!Send` future on the [`LocalSet`] that is running on this thread.
///
/// # Panics
/// Outside a running `LocalSet`: run the code that calls it inside
/// `LocalSet::run_until` (or `LocalSet::block_on`).
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    match try_spawn_local(future) {
        Some(join) => {
            join.set_origin(std::panic::Location::caller(), None);
            join
        }
        None => panic!(
            "spindle::task::spawn_local called outside a LocalSet; run this code inside \
             LocalSet::run_until or LocalSet::block_on (spawn_local is for !Send futures), \
             or use spindle::spawn for Send futures"
        ),
    }
}

/// [`spawn_local`], or `None` outside a running `LocalSet` (the future is dropped).
pub(crate) fn try_spawn_local<F>(future: F) -> Option<JoinHandle<F::Output>>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let set = CURRENT.with(|c| c.get().set);
    // SAFETY: `set` is non-null only while the LocalSet's `poll_run` (or its drop) runs
    // on this thread, keeping it alive.
    unsafe { set.as_ref() }.map(|set| set.spawn_unrecorded(future))
}
