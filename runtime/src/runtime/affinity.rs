//! Core pinning for `Builder::pin_workers`: worker *i* runs only on core *i* mod the
//! cores this process may use (Linux `sched_setaffinity`).
//!
//! ## Why pin
//! A worker the kernel moves between cores loses its warm caches, and a picture of "which
//! task ran on which core" becomes harder to read. Pinned, worker *i* always runs on the
//! same core, so the trace's `cpu` column equals the worker's core.
//!
//! ## How
//! - `allowed_cpus()`: `sched_getaffinity(2)` of the calling thread (the process's mask
//!   as inherited by the thread that builds the runtime), so `taskset` and container CPU
//!   limits are respected: we only pin to cores we may use.
//! - `pin_thread(thread, cpu)`: `pthread_setaffinity_np(3)` on a freshly spawned worker,
//!   *from the thread that builds the runtime*. Pinning from outside (instead of each
//!   worker pinning itself when it starts) makes a failure an error of `build()`, and the
//!   kernel migrates the target thread before the call returns, so by the time `build()`
//!   returns (and a task can exist) every worker already sits on its core.
//!
//! spindle-pool has the same logic (`pool/src/affinity.rs`) but keeps it crate-private,
//! so the runtime has its own copy; the CPU mask is our own `[u64; 16]` (1024 CPUs, the
//! size of glibc's `cpu_set_t`) passed with its byte size, so no `CPU_SET` macro is needed.

use std::io;

const MASK_WORDS: usize = 16;
type Mask = [u64; MASK_WORDS];

#[cfg(not(target_os = "linux"))]
fn unsupported() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "pin_workers: CPU affinity is only supported on Linux",
    )
}

/// The CPUs the calling thread may run on, in increasing order.
pub(crate) fn allowed_cpus() -> io::Result<Vec<usize>> {
    #[cfg(target_os = "linux")]
    {
        let mut mask: Mask = [0; MASK_WORDS];
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
        let cpus: Vec<usize> = (0..MASK_WORDS * 64)
            .filter(|&cpu| mask[cpu / 64] & (1 << (cpu % 64)) != 0)
            .collect();
        if cpus.is_empty() {
            return Err(io::Error::other(
                "pin_workers: the CPU affinity mask is empty",
            ));
        }
        Ok(cpus)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(unsupported())
    }
}

/// Restricts `thread` (a running thread we spawned and still hold) to `cpu`.
pub(crate) fn pin_thread<T>(thread: &std::thread::JoinHandle<T>, cpu: usize) -> io::Result<()> {
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
        Err(unsupported())
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
