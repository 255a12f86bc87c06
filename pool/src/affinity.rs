//! Which CPU a thread runs on, and pinning a worker to one (Linux).
//!
//! - [`current_cpu`]: `sched_getcpu(3)`, the CPU the calling thread ran on a moment ago
//!   (the kernel may move it right after; it is a hint, good for statistics and tests).
//! - `pin_current_thread(cpu)`: `sched_setaffinity(2)` with a one-CPU mask, so the
//!   scheduler keeps the worker on that CPU and its caches stay warm.
//! - `allowed_cpus()`: `sched_getaffinity(2)` of the process, so that "worker *i* on core
//!   *i* mod cores" counts only the CPUs this process may use (containers and `taskset`
//!   restrict that set).
//!
//! These are C calls, hence `unsafe` in Rust even though each is trivially sound; like
//! `erase.rs`, this module is allowed `unsafe` (the crate is `#![deny(unsafe_code)]`), and
//! each block says why it is sound. The CPU mask is our own `[u64; 16]` (1024 CPUs, the
//! size of glibc's `cpu_set_t`), passed with its byte size, so no `mem::zeroed` or
//! `CPU_SET` macro (also `unsafe` in libc) is needed.
#![allow(unsafe_code)]

use std::io;

const MASK_WORDS: usize = 16;
type Mask = [u64; MASK_WORDS];

/// The CPU the calling thread is running on, if the OS can tell (`sched_getcpu`).
///
/// ```
/// if let Some(cpu) = spindle_pool::current_cpu() {
///     assert!(cpu < 4096);
/// }
/// ```
pub fn current_cpu() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `sched_getcpu` takes no arguments and touches no memory of ours.
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The CPUs this process may run on, in increasing order.
pub(crate) fn allowed_cpus() -> io::Result<Vec<usize>> {
    let mut mask: Mask = [0; MASK_WORDS];
    #[cfg(target_os = "linux")]
    {
        // SAFETY: the pointer is to our own `mask`, valid and writable for exactly the
        // byte size we pass; the kernel writes at most that many bytes. Pid 0 = caller.
        let rc = unsafe {
            libc::sched_getaffinity(
                0,
                std::mem::size_of::<Mask>(),
                mask.as_mut_ptr().cast::<libc::cpu_set_t>(),
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "CPU affinity is Linux-only here",
        ));
    }
    #[allow(unreachable_code)]
    Ok((0..MASK_WORDS * 64)
        .filter(|&cpu| mask[cpu / 64] & (1 << (cpu % 64)) != 0)
        .collect())
}

/// Restricts the calling thread to `cpu`.
pub(crate) fn pin_current_thread(cpu: usize) -> io::Result<()> {
    if cpu >= MASK_WORDS * 64 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cpu {cpu} is beyond the supported {} CPUs", MASK_WORDS * 64),
        ));
    }
    let mut mask: Mask = [0; MASK_WORDS];
    mask[cpu / 64] |= 1 << (cpu % 64);
    #[cfg(target_os = "linux")]
    {
        // SAFETY: the pointer is to our own initialised `mask`, readable for exactly the
        // byte size we pass; the kernel only reads it. Pid 0 = the calling thread.
        let rc = unsafe {
            libc::sched_setaffinity(
                0,
                std::mem::size_of::<Mask>(),
                mask.as_ptr().cast::<libc::cpu_set_t>(),
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "CPU affinity is Linux-only here",
        ))
    }
}
