//! [`TaskDump`]: which tasks are alive and what each is doing, from any thread, while
//! the runtime runs (`Handle::dump`, `Runtime::dump`).
//!
//! ## How the dump finds tasks
//! Every task of a runtime is in its owned-tasks list (`task/list.rs`) from spawn until it
//! completes. The dump walks that list one shard at a time under the shard's lock
//! (`OwnedTasks::for_each`): the lock keeps each visited task alive (the list holds a
//! reference) and its links stable. For each task it reads, without any other
//! synchronisation, the state word and the task's `Activity` (`task/activity.rs`): the
//! spawn location and name, the poll count, the coarse time of the last poll, and the
//! wait slot its leaf futures fill in (`wait.rs`). All of these are atomics written by
//! the task's poller; the dump sees each as it was at some moment of the walk. Why that
//! is sound, step by step: docs/task-dump.md.
//!
//! ## Cost
//! A spawn or completion on the shard being walked waits for the walk of that shard
//! (the lock is held for a few loads per task); nothing else is stopped. Formatting
//! happens after the locks are released, on the caller's thread.
//!
//! Blocking tasks are in a list of their own (`BlockingPool::listed`), walked after the
//! runtime's; `LocalSet`s that ran on this runtime register their lists with it
//! (`Common::local_sets`) and are walked last (see docs/task-dump.md, "Coverage").

use std::fmt;
use std::panic::Location;
use std::time::{Duration, Instant};

use crate::task::list::OwnedTasks;
use crate::task::{Id, RawTask};
use crate::wait::Wait;

/// What a task is doing at the moment of the dump.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskState {
    /// Being polled, on this worker (`None`: a thread that is not a worker, such as the
    /// current-thread runtime's `block_on` thread).
    Running(Option<u32>),
    /// Woken: waits in a run queue for a worker.
    Scheduled,
    /// Waits for a wake-up (on what: [`TaskInfo::waiting_on`]).
    Idle,
    /// Finished; its output has not been taken by its `JoinHandle` yet.
    Finished,
}

/// One task of a [`TaskDump`].
#[derive(Clone, Debug)]
pub struct TaskInfo {
    /// The task's id.
    pub id: Id,
    /// Its name (`task::Builder::name`).
    pub name: Option<String>,
    /// Where it was spawned (`None` in the moment between the spawn and its record).
    pub location: Option<&'static Location<'static>>,
    /// What it is doing.
    pub state: TaskState,
    /// Polls so far.
    pub polls: u32,
    /// Time since its last poll started (coarse: a few milliseconds' resolution);
    /// `None` for a task that has not been polled yet.
    pub since_last_poll: Option<Duration>,
    /// What its last `Pending` spindle leaf future waits on, if any.
    pub waiting_on: Option<Wait>,
}

/// A snapshot of a runtime's live tasks. `Display` prints an aligned table sorted by
/// state, then by time since the last poll (longest first).
#[derive(Clone, Debug)]
pub struct TaskDump {
    /// The tasks, sorted as printed.
    pub tasks: Vec<TaskInfo>,
    /// When the dump was taken.
    pub taken_at: Instant,
}

/// Walks `owned` and then `blocking`, the blocking pool's list (see the module header).
pub(crate) fn take(owned: &[&OwnedTasks], blocking: &OwnedTasks) -> TaskDump {
    let mut tasks = Vec::with_capacity(owned.first().map_or(0, |o| o.len()));
    let taken_at = Instant::now();
    for list in owned {
        collect(list, false, &mut tasks);
    }
    collect(blocking, true, &mut tasks);
    tasks.sort_by(|a, b| {
        a.state
            .cmp(&b.state)
            .then(b.since_last_poll.cmp(&a.since_last_poll))
            .then(a.id.cmp(&b.id))
    });
    TaskDump { tasks, taken_at }
}

/// Appends the tasks of `list`; `blocking`: the list of blocking tasks, whose queued
/// ones wait for a pool thread.
fn collect(list: &OwnedTasks, blocking: bool, tasks: &mut Vec<TaskInfo>) {
    let now_ms = crate::wait::coarse_ms();
    list.for_each(|task: RawTask| {
        let s = task.sample();
        let state = if s.complete {
            TaskState::Finished
        } else if s.running {
            match s.activity.wait {
                Wait::Running(w) if w != u32::MAX => TaskState::Running(Some(w)),
                _ => TaskState::Running(None),
            }
        } else if s.scheduled {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        // `Running` in the slot of a task that is not running means its last poll
        // returned Pending without a spindle leaf: unknown.
        let waiting_on = match s.activity.wait {
            _ if blocking => Some(Wait::PoolJob),
            Wait::Running(_) | Wait::Unknown => None,
            w => Some(w),
        };
        tasks.push(TaskInfo {
            id: s.id,
            name: s.activity.name,
            location: s.activity.location,
            state,
            polls: s.activity.polls,
            since_last_poll: (s.activity.polls != 0).then(|| {
                Duration::from_millis(now_ms.wrapping_sub(s.activity.last_poll_ms) as u64)
            }),
            waiting_on: if s.running { None } else { waiting_on },
        });
    });
}

impl TaskDump {
    /// Number of tasks in the dump.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True if no task was alive.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The entry of task `id`, if it was alive.
    pub fn get(&self, id: Id) -> Option<&TaskInfo> {
        self.tasks.iter().find(|t| t.id == id)
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskState::Running(Some(w)) => write!(f, "running on worker {w}"),
            TaskState::Running(None) => f.write_str("running"),
            TaskState::Scheduled => f.write_str("scheduled"),
            TaskState::Idle => f.write_str("idle"),
            TaskState::Finished => f.write_str("finished, not joined"),
        }
    }
}

/// `Wait` as the dump prints it; deadlines relative to `now`.
struct WaitAt(Wait, Instant);

impl fmt::Display for WaitAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Wait::Sleep(at) => match at.checked_duration_since(self.1) {
                Some(d) => write!(f, "sleep until +{:?}", Millis(d)),
                None => write!(f, "sleep until -{:?}", Millis(self.1 - at)),
            },
            Wait::Read(fd) => write!(f, "read on {}", Socket(fd)),
            Wait::Write(fd) => write!(f, "write on {}", Socket(fd)),
            Wait::MutexLock => f.write_str("Mutex::lock"),
            Wait::MpscRecv => f.write_str("mpsc::recv"),
            Wait::MpscSend => f.write_str("mpsc::send (full)"),
            Wait::SemaphoreAcquire(n) => write!(f, "Semaphore::acquire ({n} ahead)"),
            Wait::Join(id) => write!(f, "JoinHandle of task {id}"),
            Wait::PoolJob => f.write_str("pool job"),
            Wait::Running(_) | Wait::Unknown => f.write_str("-"),
        }
    }
}

/// A socket's `local <- peer` addresses, looked up when the dump is printed (the fd may
/// have been closed, or even reused, since: then the lookup shows that fd's addresses, or
/// only the number; it is a diagnostic).
struct Socket(i32);

impl fmt::Display for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (
            addr_of(self.0, libc::getsockname),
            addr_of(self.0, libc::getpeername),
        ) {
            (Some(local), Some(peer)) => write!(f, "{local} <- {peer}"),
            (Some(local), None) => write!(f, "{local}"),
            _ => write!(f, "fd {}", self.0),
        }
    }
}

type AddrFn = unsafe extern "C" fn(i32, *mut libc::sockaddr, *mut libc::socklen_t) -> i32;

fn addr_of(fd: i32, get: AddrFn) -> Option<std::net::SocketAddr> {
    // SAFETY: an all-zero sockaddr_storage is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of_val(&storage) as libc::socklen_t;
    // SAFETY: `storage` and `len` are valid out-pointers of the sizes given; on a bad fd
    // the call fails with EBADF and writes nothing.
    if unsafe { get(fd, (&raw mut storage).cast(), &mut len) } != 0 {
        return None;
    }
    match storage.ss_family as i32 {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let a: libc::sockaddr_in = unsafe { std::ptr::read((&raw const storage).cast()) };
            let ip = std::net::Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr));
            Some((ip, u16::from_be(a.sin_port)).into())
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let a: libc::sockaddr_in6 = unsafe { std::ptr::read((&raw const storage).cast()) };
            let ip = std::net::Ipv6Addr::from(a.sin6_addr.s6_addr);
            Some((ip, u16::from_be(a.sin6_port)).into())
        }
        _ => None,
    }
}

/// A duration printed in whole milliseconds.
struct Millis(Duration);

impl fmt::Debug for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.0.as_millis())
    }
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<[String; 7]> = self
            .tasks
            .iter()
            .map(|t| {
                [
                    t.id.to_string(),
                    t.name.clone().unwrap_or_else(|| "-".into()),
                    t.state.to_string(),
                    t.polls.to_string(),
                    t.since_last_poll
                        .map_or_else(|| "-".into(), |d| format!("{:?}", Millis(d))),
                    t.waiting_on
                        .map_or_else(|| "-".into(), |w| WaitAt(w, self.taken_at).to_string()),
                    t.location.map_or_else(|| "?".into(), |l| l.to_string()),
                ]
            })
            .collect();
        let head = [
            "id",
            "name",
            "state",
            "polls",
            "last poll",
            "waiting on",
            "spawned at",
        ];
        let mut width = head.map(str::len);
        for row in &rows {
            for (w, cell) in width.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        writeln!(f, "{} live tasks", rows.len())?;
        let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 7]| -> fmt::Result {
            for (i, (cell, w)) in cells.iter().zip(width).enumerate() {
                if i + 1 == cells.len() {
                    writeln!(f, "{cell}")?;
                } else if i == 0 || i == 3 || i == 4 {
                    write!(f, "{cell:>w$}  ")?;
                } else {
                    write!(f, "{cell:<w$}  ")?;
                }
            }
            Ok(())
        };
        line(f, head)?;
        for row in &rows {
            line(f, row.each_ref().map(String::as_str))?;
        }
        Ok(())
    }
}
