//! Which CPU a thread runs on, and pinning a thread to one (Linux). Public, because the
//! runtime's `Builder::pin_workers` pins its workers with the same calls.
//!
//! - [`current_cpu`]: `sched_getcpu(3)`, the CPU the calling thread ran on a moment ago
//!   (the kernel may move it right after; it is a hint, good for statistics and tests).
//! - `pin_current_thread(cpu)`: `sched_setaffinity(2)` with a one-CPU mask, so the
//!   scheduler keeps the worker on that CPU and its caches stay warm (the pool's threads
//!   pin themselves as they start).
//! - [`pin_thread`]: `pthread_setaffinity_np(3)` on a thread we spawned, from outside
//!   (the runtime pins each worker from the thread that builds it, so a failure is an
//!   error of `build()`, and every worker sits on its core before `build()` returns).
//! - [`allowed_cpus`]: `sched_getaffinity(2)` of the process, so that "worker *i* on core
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

/// The CPUs the calling thread may run on (the process's mask, as inherited), in
/// increasing order; an error if the OS cannot tell or the mask is empty.
pub fn allowed_cpus() -> io::Result<Vec<usize>> {
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
    let cpus: Vec<usize> = (0..MASK_WORDS * 64)
        .filter(|&cpu| mask[cpu / 64] & (1 << (cpu % 64)) != 0)
        .collect();
    if cpus.is_empty() {
        return Err(io::Error::other("the CPU affinity mask is empty"));
    }
    Ok(cpus)
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

/// Restricts `thread` (a running thread we spawned and still hold) to `cpu`.
pub fn pin_thread<T>(thread: &std::thread::JoinHandle<T>, cpu: usize) -> io::Result<()> {
    if cpu >= MASK_WORDS * 64 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cpu {cpu} is beyond the supported {} CPUs", MASK_WORDS * 64),
        ));
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::thread::JoinHandleExt;
        let mut mask: Mask = [0; MASK_WORDS];
        mask[cpu / 64] |= 1 << (cpu % 64);
        // SAFETY: `thread` is joinable and not yet joined (we hold its JoinHandle), so its
        // pthread_t is valid; the mask pointer is to our own initialised array, readable
        // for exactly the byte size we pass, and the kernel only reads it.
        let rc = unsafe {
            libc::pthread_setaffinity_np(
                thread.as_pthread_t(),
                std::mem::size_of::<Mask>(),
                mask.as_ptr().cast::<libc::cpu_set_t>(),
            )
        };
        // pthread functions return the error number instead of setting errno.
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = thread;
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "CPU affinity is Linux-only here",
        ))
    }
}

#[cfg(all(test, not(loom), not(miri), target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_thread_runs_on_its_core() {
        let cpus = allowed_cpus().unwrap();
        let target = *cpus.last().unwrap();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            go_rx.recv().unwrap();
            // SAFETY: no arguments, touches no memory of ours.
            unsafe { libc::sched_getcpu() }
        });
        pin_thread(&t, target).unwrap();
        go_tx.send(()).unwrap();
        assert_eq!(t.join().unwrap(), target as i32);
    }

    #[test]
    fn out_of_range_cpu_is_an_error() {
        let t = std::thread::spawn(|| {});
        let err = pin_thread(&t, 5000).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        t.join().unwrap();
    }
}
