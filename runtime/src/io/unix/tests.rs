//! `AsyncFd` on socket pairs and pipes that spindle did not open.

use super::*;
use crate::driver::block_on_driver;
use crate::io::Interest;
use std::fs::File;
use std::io;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::task::Waker;
use std::task::{Context, Poll};

fn nonblocking_pair() -> (StdUnixStream, StdUnixStream) {
    let (a, b) = StdUnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    (a, b)
}

/// A pipe whose read end is non-blocking: (read, write).
fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", io::Error::last_os_error());
    // SAFETY: pipe2 succeeded, so both are open descriptors that nothing else owns.
    unsafe {
        (
            File::from(OwnedFd::from_raw_fd(fds[0])),
            File::from(OwnedFd::from_raw_fd(fds[1])),
        )
    }
}

fn registered() -> usize {
    crate::driver::handle::current("test").io.registered()
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate Unix-domain sockets, pipes in epoll or regular files refused by epoll"
)]
fn try_io_reads_then_clears_readiness_on_would_block() {
    block_on_driver(async {
        let (ours, mut peer) = nonblocking_pair();
        let fd = AsyncFd::with_interest(ours, Interest::READABLE).unwrap();
        let cx = &mut Context::from_waker(Waker::noop());
        assert!(fd.poll_read_ready(cx).is_pending(), "nothing written yet");
        peer.write_all(b"abc").unwrap();

        let mut buf = [0u8; 8];
        let mut guard = fd.readable().await.unwrap();
        let n = guard
            .try_io(|fd| fd.get_ref().read(&mut buf))
            .unwrap()
            .unwrap();
        assert_eq!(&buf[..n], b"abc");
        // Still "ready" (nothing disproved it), so this returns at once; the read then
        // says WouldBlock and try_io clears the readiness.
        let mut guard = fd.readable().await.unwrap();
        assert!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err());
        assert!(fd.poll_read_ready(cx).is_pending(), "waits for a new event");
        peer.write_all(b"d").unwrap();
        let mut guard = fd.readable().await.unwrap();
        assert_eq!(
            guard
                .try_io(|fd| fd.get_ref().read(&mut buf))
                .unwrap()
                .unwrap(),
            1
        );
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate Unix-domain sockets, pipes in epoll or regular files refused by epoll"
)]
fn a_dropped_guard_keeps_readiness_and_clear_ready_forgets_it() {
    block_on_driver(async {
        let (ours, mut peer) = nonblocking_pair();
        let mut fd = AsyncFd::new(ours).unwrap();
        let cx = &mut Context::from_waker(Waker::noop());
        assert!(fd.writable().await.is_ok(), "a fresh socket has room");
        peer.write_all(b"x").unwrap();
        drop(fd.readable().await.unwrap());
        assert!(
            fd.poll_read_ready(cx).is_ready(),
            "dropping the guard retained it"
        );
        let Poll::Ready(Ok(mut guard)) = fd.poll_read_ready(cx) else {
            panic!("ready")
        };
        guard.clear_ready();
        assert!(fd.poll_read_ready(cx).is_pending(), "cleared");
        // The mutable guard lends the value mutably.
        peer.write_all(b"y").unwrap();
        let mut guard = fd.readable_mut().await.unwrap();
        let mut buf = [0u8; 4];
        let n = guard
            .try_io(|fd| fd.get_mut().read(&mut buf))
            .unwrap()
            .unwrap();
        assert_eq!(&buf[..n], b"xy");
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate Unix-domain sockets, pipes in epoll or regular files refused by epoll"
)]
fn a_pipe_reports_data_and_its_writers_end() {
    block_on_driver(async {
        let (read, mut write) = pipe();
        let fd = AsyncFd::with_interest(read, Interest::READABLE).unwrap();
        write.write_all(b"pipe").unwrap();
        drop(write);
        let mut got = Vec::new();
        loop {
            let mut guard = fd.readable().await.unwrap();
            let mut buf = [0u8; 2];
            match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                Ok(Ok(0)) => break,
                Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
                Ok(Err(e)) => panic!("{e}"),
                Err(_would_block) => continue,
            }
        }
        assert_eq!(got, b"pipe");
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate Unix-domain sockets, pipes in epoll or regular files refused by epoll"
)]
fn into_inner_deregisters_and_returns_the_value() {
    block_on_driver(async {
        let (ours, mut peer) = nonblocking_pair();
        let before = registered();
        let fd = AsyncFd::new(ours).unwrap();
        assert_eq!(registered(), before + 1);
        let mut ours = fd.into_inner();
        assert_eq!(registered(), before);
        peer.write_all(b"still open").unwrap();
        ours.set_nonblocking(false).unwrap();
        let mut buf = [0u8; 10];
        ours.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"still open");
        // Registered again, somewhere else: the old registration is really gone.
        let _again = AsyncFd::new(ours).unwrap();
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate Unix-domain sockets, pipes in epoll or regular files refused by epoll"
)]
fn a_regular_file_is_refused_with_the_os_error() {
    block_on_driver(async {
        let file = File::open(std::env::current_exe().unwrap()).unwrap();
        let error = AsyncFd::new(file).unwrap_err();
        // epoll_ctl answers EPERM for files it cannot watch.
        assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{error}");
    });
}
