//! What the current task waits on: the *wait slot* the task dump reads.
//!
//! ## The algorithm
//! Each task header has one `AtomicU64`, its wait slot (`task/activity.rs`). While a task
//! is polled, this thread's [`CURRENT`] points at that slot. The harness writes
//! `Running(worker)` into it when the poll starts; a spindle leaf future (a sleep, a lock,
//! a channel receive, a socket read, a `JoinHandle`) that returns `Pending` overwrites it
//! with what it waits on ([`set`]). So after the poll the slot names the last leaf that
//! returned `Pending`, which is the one the task is parked on. The next poll overwrites it
//! again, so a stale description lives at most until the task is polled.
//!
//! Cost on the hot path: a thread-local read and one relaxed store of a `u64` per leaf
//! `Pending`; no allocation, no formatting (the dump formats). [`Wait`] is `Copy` and
//! packs into the `u64`: the kind in the top byte, 56 bits of payload (a deadline in
//! nanoseconds since [`epoch`], a task id, a file descriptor, a count).
//!
//! States of the slot pointer: *null* (not inside a task poll: a plain `block_on` future,
//! a foreign executor; then [`set`] does nothing) or *a live task's slot* (set and
//! restored by [`enter`], which the harness holds for the poll; the poller holds a
//! reference to the task, so the slot outlives the pointer).
//!
//! Also here, because the harness needs them and cannot import the scheduler: which
//! worker this thread is ([`set_worker`]), and a cheap coarse clock ([`coarse_ms`]).

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// What a task's last `Pending` leaf waits on (packed into the wait slot; see the header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Wait {
    /// Nothing recorded (the task returned `Pending` without a spindle leaf).
    Unknown,
    /// Being polled on this worker (index; `u32::MAX`: a thread that is not a worker).
    Running(u32),
    /// `sleep`, `interval`, `timeout`: until this deadline.
    Sleep(Instant),
    /// A socket read on this file descriptor.
    Read(i32),
    /// A socket write on this file descriptor.
    Write(i32),
    /// `Mutex::lock` (also `RwLock`).
    MutexLock,
    /// `mpsc::Receiver::recv`.
    MpscRecv,
    /// `mpsc::Sender::send` on a full channel.
    MpscSend,
    /// `Semaphore::acquire`, with this many waiters ahead.
    SemaphoreAcquire(u32),
    /// A `JoinHandle` of the task with this id.
    Join(u64),
    /// A job on the blocking pool (a blocking task waiting for a pool thread).
    PoolJob,
}

const PAYLOAD: u64 = (1 << 56) - 1;

impl Wait {
    /// The packed form (see the module header). Inline: the harness packs
    /// `Running(worker)` at every poll start, which then folds to two instructions.
    #[inline]
    pub(crate) fn pack(self) -> u64 {
        let (kind, payload) = match self {
            Wait::Unknown => (0, 0),
            Wait::Running(w) => (1, w as u64),
            Wait::Sleep(at) => (2, since_epoch(at)),
            Wait::Read(fd) => (3, fd as u32 as u64),
            Wait::Write(fd) => (4, fd as u32 as u64),
            Wait::MutexLock => (5, 0),
            Wait::MpscRecv => (6, 0),
            Wait::MpscSend => (7, 0),
            Wait::SemaphoreAcquire(n) => (8, n as u64),
            Wait::Join(id) => (9, id),
            Wait::PoolJob => (10, 0),
        };
        (kind << 56) | (payload & PAYLOAD)
    }

    /// The inverse of [`pack`](Self::pack).
    #[inline]
    pub(crate) fn unpack(word: u64) -> Wait {
        let payload = word & PAYLOAD;
        match word >> 56 {
            1 => Wait::Running(payload as u32),
            2 => Wait::Sleep(epoch() + Duration::from_nanos(payload)),
            3 => Wait::Read(payload as u32 as i32),
            4 => Wait::Write(payload as u32 as i32),
            5 => Wait::MutexLock,
            6 => Wait::MpscRecv,
            7 => Wait::MpscSend,
            8 => Wait::SemaphoreAcquire(payload as u32),
            9 => Wait::Join(payload),
            10 => Wait::PoolJob,
            _ => Wait::Unknown,
        }
    }
}

/// The process-wide origin of packed deadlines (first use).
pub(crate) fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn since_epoch(at: Instant) -> u64 {
    // 56 bits of nanoseconds: 2.3 years after the first deadline packed.
    (at.saturating_duration_since(epoch()).as_nanos() as u64).min(PAYLOAD)
}

thread_local! {
    /// The wait slot of the task being polled on this thread (null: none).
    static CURRENT: Cell<*const AtomicU64> = const { Cell::new(std::ptr::null()) };
    /// This thread's worker index (`u32::MAX`: not a worker).
    static WORKER: Cell<u32> = const { Cell::new(u32::MAX) };
}

/// Records what the current task waits on. Called by leaf futures as they return
/// `Pending`; does nothing outside a task poll.
#[inline]
pub(crate) fn set(wait: Wait) {
    CURRENT.with(|c| {
        let slot = c.get();
        if !slot.is_null() {
            // SAFETY: `enter`'s contract: the slot is live while it is current.
            unsafe { &*slot }.store(wait.pack(), Relaxed);
        }
    })
}

/// Makes `slot` current until the guard drops (the harness, around one poll), and marks
/// it `Running` on this thread's worker.
///
/// # Safety
/// `slot` must stay valid until the guard drops.
#[inline]
pub(crate) unsafe fn enter(slot: &AtomicU64) -> WaitGuard {
    slot.store(Wait::Running(WORKER.with(Cell::get)).pack(), Relaxed);
    WaitGuard(CURRENT.with(|c| c.replace(slot)))
}

/// Restores the previous wait slot on drop (polls nest: a `block_on` in a blocking task).
pub(crate) struct WaitGuard(*const AtomicU64);

impl Drop for WaitGuard {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// Marks this thread as worker `index` (the multi-thread scheduler's workers, and the
/// current-thread scheduler's driving thread as 0).
pub(crate) fn set_worker(index: u32) {
    WORKER.with(|w| w.set(index));
}

/// Milliseconds on a coarse monotonic clock (wrapping `u32`: ages up to 49 days). On
/// Linux this is `CLOCK_MONOTONIC_COARSE`, a vDSO read of a value the kernel updates
/// every tick (1-4 ms): a few nanoseconds, against ~20 for `Instant::now`, so the
/// harness can stamp every poll. Elsewhere (and under Miri) it is `Instant` based.
#[inline]
pub(crate) fn coarse_ms() -> u32 {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid out-pointer; CLOCK_MONOTONIC_COARSE exists on every
        // Linux since 2.6.32 and cannot fail with a valid pointer.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
        (ts.tv_sec as u64 * 1000 + ts.tv_nsec as u64 / 1_000_000) as u32
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        epoch().elapsed().as_millis() as u32
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use std::time::Duration;

    use crate::wait::{Wait, enter, epoch, set};

    #[test]
    fn pack_round_trips() {
        let at = epoch() + Duration::from_millis(12);
        for w in [
            Wait::Unknown,
            Wait::Running(3),
            Wait::Sleep(at),
            Wait::Read(7),
            Wait::Write(9),
            Wait::MutexLock,
            Wait::MpscRecv,
            Wait::MpscSend,
            Wait::SemaphoreAcquire(3),
            Wait::Join(17),
            Wait::PoolJob,
        ] {
            assert_eq!(Wait::unpack(w.pack()), w);
        }
    }

    #[test]
    fn set_writes_only_inside_enter() {
        let slot = AtomicU64::new(0);
        set(Wait::MutexLock); // no current slot: nothing happens
        assert_eq!(slot.load(Relaxed), 0);
        {
            // SAFETY: `slot` outlives the guard.
            let _g = unsafe { enter(&slot) };
            assert_eq!(Wait::unpack(slot.load(Relaxed)), Wait::Running(u32::MAX));
            set(Wait::Join(5));
        }
        assert_eq!(Wait::unpack(slot.load(Relaxed)), Wait::Join(5));
        set(Wait::MpscRecv);
        assert_eq!(Wait::unpack(slot.load(Relaxed)), Wait::Join(5));
    }
}
