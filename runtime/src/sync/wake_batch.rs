//! Wakers collected under a lock and woken after it is released.
//!
//! Waking a task can run arbitrary code (an executor's schedule function, which may take
//! its own locks) and costs a cache miss or a syscall, so no primitive here wakes while
//! holding its waiter lock: it moves the wakers into a [`WakeBatch`], drops the guard,
//! then calls [`WakeBatch::wake_all`]. The first few wakers live inline, so the common
//! case (one waiter handed a lock or a message) never allocates. (tokio's `WakeList`
//! does the same with a fixed array of 32 and re-locks when it fills; growing into a
//! `Vec` instead keeps our loops single-pass.)

use std::task::Waker;

const INLINE: usize = 8;

/// Wakers to wake once the lock is gone.
pub(crate) struct WakeBatch {
    inline: [Option<Waker>; INLINE],
    len: usize,
    overflow: Vec<Waker>,
}

impl WakeBatch {
    pub(crate) const fn new() -> Self {
        WakeBatch {
            inline: [const { None }; INLINE],
            len: 0,
            overflow: Vec::new(),
        }
    }

    /// Adds a waker (no-op for `None`, so callers can pass `slot.take()`).
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.len < INLINE {
            self.inline[self.len] = Some(waker);
            self.len += 1;
        } else {
            self.overflow.push(waker);
        }
    }

    /// Wakes every collected waker. Call it after releasing the lock.
    pub(crate) fn wake_all(mut self) {
        for slot in &mut self.inline[..self.len] {
            if let Some(w) = slot.take() {
                w.wake();
            }
        }
        for w in self.overflow.drain(..) {
            w.wake();
        }
    }
}
