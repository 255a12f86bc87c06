//! What a crawl strategy costs the machine: peak resident memory, and threads.
//!
//! Peak memory is the kernel's own high-water mark of the process's resident set,
//! `VmHWM` in `/proc/self/status`. It only ever grows, so [`reset_peak_rss`] first writes
//! `5` to `/proc/self/clear_refs`, which resets it to the current size (Linux 4.0 and
//! later, see proc(5)); the mark read after a strategy is then that strategy's peak.
//! It is the whole process: the local site's server runs in it too, the same for every
//! strategy. Elsewhere than Linux both return `None`.
//!
//! Threads are counted by construction: [`ThreadGauge`] is incremented by each crawler
//! thread when it starts and decremented when it ends, and keeps the peak.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Resets the peak-RSS mark to the current RSS; false if the kernel does not support it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The peak RSS since the last reset, in bytes.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Live and peak counts of threads.
#[derive(Debug, Default)]
pub struct ThreadGauge {
    live: AtomicUsize,
    peak: AtomicUsize,
    started: AtomicUsize,
}

impl ThreadGauge {
    /// Counts a thread in.
    pub fn enter(&self) {
        let now = self.live.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        self.started.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts a thread out.
    pub fn leave(&self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }

    /// Most threads alive at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Threads started in all.
    pub fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }
}
