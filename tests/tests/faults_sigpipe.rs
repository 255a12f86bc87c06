//! Writing to a peer that has gone (reset, or closed) is an error, never SIGPIPE. Rust's
//! `main` sets SIGPIPE to "ignore", but an embedder (a C program, a plugin host, a
//! binary built with `-Zon-broken-pipe=kill`) may keep the default, whose action kills
//! the process on the first write to a broken pipe. spindle's writes must carry
//! `MSG_NOSIGNAL` so they return `EPIPE` instead. Each scenario runs in a child process
//! that restores SIGPIPE's default action first; a signal death fails the test.

use std::io::{ErrorKind, IoSlice};
use std::time::Duration;

use futures_util::io::AsyncWriteExt;
use spindle::net::{TcpListener, TcpStream, UnixStream};
use spindle_tests::child_process::run_in_child;

fn restore_default_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_DFL has no memory-safety effect; the
    // child is about to run single-purpose code.
    let previous = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    assert_ne!(previous, libc::SIG_ERR);
}

fn is_broken(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset)
}

/// Writes until the second error (the first after a reset is ECONNRESET; the next ones
/// are EPIPE, the errno that comes with SIGPIPE), with plain or vectored writes.
async fn write_until_broken(mut stream: impl futures_util::io::AsyncWrite + Unpin, vectored: bool) {
    let mut errors = 0;
    for _ in 0..10_000 {
        let chunk = [7u8; 4096];
        let result = if vectored {
            stream
                .write_vectored(&[IoSlice::new(&chunk), IoSlice::new(&chunk)])
                .await
        } else {
            stream.write(&chunk).await
        };
        if let Err(e) = result {
            assert!(is_broken(&e), "unexpected error {e}");
            errors += 1;
            if errors == 2 {
                return;
            }
        }
    }
    panic!("the writes never failed");
}

async fn reset_tcp_pair() -> TcpStream {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    server.set_linger(Some(Duration::ZERO)).unwrap();
    drop(server); // linger 0: the close sends RST
    client
}

fn scenario(vectored: bool, unix: bool) {
    restore_default_sigpipe();
    let rt = spindle::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        if unix {
            let (a, b) = UnixStream::pair().unwrap();
            drop(b);
            write_until_broken(a, vectored).await;
        } else {
            write_until_broken(reset_tcp_pair().await, vectored).await;
        }
    });
}

#[test]
fn tcp_write_to_reset_peer() {
    run_in_child("tcp_write_to_reset_peer", "tcp_write", || {
        scenario(false, false)
    });
}

#[test]
fn tcp_vectored_write_to_reset_peer() {
    run_in_child("tcp_vectored_write_to_reset_peer", "tcp_writev", || {
        scenario(true, false)
    });
}

#[test]
fn unix_write_to_closed_peer() {
    run_in_child("unix_write_to_closed_peer", "unix_write", || {
        scenario(false, true)
    });
}

#[test]
fn unix_vectored_write_to_closed_peer() {
    run_in_child("unix_vectored_write_to_closed_peer", "unix_writev", || {
        scenario(true, true)
    });
}
