//! Which core is this thread running on: `sched_getcpu()`.
//!
//! On Linux glibc answers from the vDSO (or the `RDPID`/`RDTSCP` instruction), a few
//! nanoseconds, so a runtime may ask at every poll. The answer can be stale by the time
//! it is used (the scheduler may migrate the thread right after); for a picture of where
//! work ran that is good enough. Elsewhere, and under Miri (which does not emulate the
//! call), the answer is `None`.

/// The core the calling thread runs on now, or `None` where the platform cannot say.
pub fn current_cpu() -> Option<u32> {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        // SAFETY: sched_getcpu takes no arguments, touches no memory of ours and only
        // returns a number (or -1 with errno set); it is thread-safe.
        let cpu = unsafe { libc::sched_getcpu() };
        u32::try_from(cpu).ok()
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(target_os = "linux", not(miri)))]
    fn current_cpu_is_a_core_of_this_machine() {
        let cpu = current_cpu().expect("sched_getcpu works on Linux");
        let cores = std::thread::available_parallelism().map_or(1024, |n| n.get());
        // available_parallelism may be limited by affinity/cgroups while cpu numbers are
        // machine-wide, so only check it is plausible.
        assert!((cpu as usize) < cores.max(1024));
    }
}
