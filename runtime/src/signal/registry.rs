//! The process-wide half of `spindle::signal`: one delivery counter per signal, the
//! handler that bumps it, and the self-pipe that tells the event loops.
//!
//! A signal handler may run on any thread, between any two instructions, so it may only
//! do what is *async-signal-safe*: no lock, no allocation, no waker (a waker may lock or
//! allocate). Ours does two things, in this order:
//! 1. `deliveries[signal] += 1` (a lock-free atomic add);
//! 2. `write(2)` one byte to the non-blocking write end of a Unix socket pair (the
//!    *self-pipe*; `write` is on POSIX's list of async-signal-safe calls). If the pipe is
//!    full the write fails with `EAGAIN`, which is fine: unread bytes are there, so a
//!    wake-up is on its way already.
//!
//! Every runtime with a listener watches a duplicate of the read end in its I/O driver
//! (`dispatch.rs`); the rest of the protocol, and why no delivery is lost, is in
//! `docs/signals.md`.
//!
//! Handlers are registered through `signal-hook-registry` (the crate tokio uses), once
//! per signal for the life of the process, on the first `signal(kind)` for it; it chains
//! our action with any the program had, and saves and restores `errno` around it.
//! Registering replaces the signal's default action (for SIGINT: ending the process)
//! for good, as in tokio.
//!
//! Invariants: a slot's counter only grows (wrapping); the pipe, once made, lives (and
//! its descriptors stay open) until the process exits, so the handler's `write` always
//! names it.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One more than the largest signal number on Linux (SIGRTMAX is 64).
const SLOTS: usize = 65;

/// What the handler of one signal updates, and whether it is installed.
struct Slot {
    deliveries: AtomicUsize,
    /// The registration's outcome (`io::Error` is not `Clone`: its kind and message).
    installed: OnceLock<Result<(), (io::ErrorKind, String)>>,
}

static SIGNALS: [Slot; SLOTS] = [const {
    Slot {
        deliveries: AtomicUsize::new(0),
        installed: OnceLock::new(),
    }
}; SLOTS];

/// The self-pipe: the handler writes to `write`; drivers watch duplicates of `read`.
struct SelfPipe {
    read: UnixStream,
    write: UnixStream,
}

static PIPE: OnceLock<Result<SelfPipe, io::ErrorKind>> = OnceLock::new();

fn self_pipe() -> io::Result<&'static SelfPipe> {
    let pipe = PIPE.get_or_init(|| {
        let make = || -> io::Result<SelfPipe> {
            let (read, write) = UnixStream::pair()?;
            read.set_nonblocking(true)?;
            write.set_nonblocking(true)?;
            Ok(SelfPipe { read, write })
        };
        make().map_err(|e| e.kind())
    });
    pipe.as_ref()
        .map_err(|&kind| io::Error::new(kind, "spindle could not create its signal self-pipe"))
}

/// Checks that `signal` can be listened to: a real signal number, and not one whose
/// handler could not return sensibly (SIGKILL, SIGSTOP cannot be caught; SIGSEGV, SIGILL,
/// SIGFPE mean the thread cannot go on).
fn check(signal: libc::c_int) -> io::Result<usize> {
    let forbidden = signal_hook_registry::FORBIDDEN.contains(&signal);
    match usize::try_from(signal) {
        Ok(index) if (1..SLOTS).contains(&index) && !forbidden => Ok(index),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signal} cannot be listened to (forbidden, or no such signal)"),
        )),
    }
}

/// The handler (module header). Must stay async-signal-safe: an atomic add and a write.
fn on_signal(index: usize, write_fd: libc::c_int) {
    SIGNALS[index].deliveries.fetch_add(1, Ordering::SeqCst);
    let byte = 1u8;
    // SAFETY: `byte` is valid for a 1-byte read for the call; `write_fd` is the self-
    // pipe's write end, which stays open for the life of the process (`PIPE` is never
    // dropped). write(2) is async-signal-safe; its result is ignored (module header:
    // EAGAIN means a wake-up is pending already).
    let _ = unsafe { libc::write(write_fd, (&raw const byte).cast(), 1) };
}

/// Installs the handler for `signal` (once per process) and makes the self-pipe.
pub(super) fn install(signal: libc::c_int) -> io::Result<()> {
    let index = check(signal)?;
    let write_fd = self_pipe()?.write.as_raw_fd();
    let outcome = SIGNALS[index].installed.get_or_init(|| {
        let action = move || on_signal(index, write_fd);
        // SAFETY: `register` asks that the action be async-signal-safe; `on_signal` is
        // (an atomic add and a write(2), no lock or allocation). `check` has refused the
        // signals whose registration the crate forbids.
        let result = unsafe { signal_hook_registry::register(signal, action) };
        result.map(drop).map_err(|e| (e.kind(), e.to_string()))
    });
    outcome.clone().map_err(|(kind, message)| {
        io::Error::new(
            kind,
            format!("registering a handler for signal {signal}: {message}"),
        )
    })
}

/// How many times `signal` has been delivered since its handler was installed
/// (wrapping). `signal` must have passed [`install`].
pub(super) fn deliveries(signal: libc::c_int) -> usize {
    SIGNALS[signal as usize].deliveries.load(Ordering::SeqCst)
}

/// A new descriptor for the self-pipe's read end, for one runtime's driver to watch.
/// (A duplicate shares the pipe's buffer and its non-blocking flag.)
pub(super) fn receiver() -> io::Result<UnixStream> {
    self_pipe()?.read.try_clone()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn forbidden_and_impossible_signals_are_input_errors() {
        for signal in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1, 65, 1000] {
            let error = install(signal).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "signal {signal}");
        }
    }
}
