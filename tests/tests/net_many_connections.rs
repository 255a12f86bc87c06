//! 9,000 loopback connections open at once in one process: one epoll serves them all.
//!
//! Each connection takes two descriptors here (client and server end), 18,000 in all;
//! the soft RLIMIT_NOFILE is raised to the hard limit first (20,000 on these machines),
//! and the test skips with a message where the hard limit is too low.

use std::sync::Arc;
use std::time::Duration;

use spindle::io::{AsyncReadExt, AsyncWriteExt};
use spindle::net::{TcpListener, TcpStream};
use spindle::sync::Semaphore;

const CONNECTIONS: usize = 9_000;
/// A stall fails the test instead of hanging CI (a passing run takes a few seconds).
const STALL_LIMIT: Duration = Duration::from_secs(60);

fn raise_fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the valid, exclusively borrowed `limit`.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0);
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: setrlimit only reads the valid `limit`.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(rc, 0);
    limit.rlim_cur
}

#[test]
fn nine_thousand_concurrent_connections() {
    let limit = raise_fd_limit();
    if limit < (2 * CONNECTIONS + 200) as u64 {
        eprintln!("skipped: RLIMIT_NOFILE hard limit {limit} is below what 9,000 connections need");
        return;
    }
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let run = rt.block_on(async {
        spindle::time::timeout(STALL_LIMIT, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spindle::spawn(async move {
                for _ in 0..CONNECTIONS {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    spindle::spawn(async move {
                        let mut byte = [0u8; 1];
                        stream.read_exact(&mut byte).await.unwrap();
                        stream.write_all(&byte).await.unwrap();
                        // Hold the connection until the client closes it.
                        let mut rest = Vec::new();
                        stream.read_to_end(&mut rest).await.unwrap();
                    });
                }
            });
            // At most 64 handshakes in flight: the listen backlog is 128, and 9,000 SYNs at
            // once overflow it, after which the kernel drops SYNs and the clients' retries back
            // off for up to two minutes (a test of the kernel, not of spindle). Every
            // connection still stays open until all 9,000 exist.
            let handshakes = Arc::new(Semaphore::new(64));
            let clients: Vec<_> = (0..CONNECTIONS)
                .map(|i| {
                    let handshakes = handshakes.clone();
                    spindle::spawn(async move {
                        let permit = handshakes.acquire().await.unwrap();
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        let byte = [(i % 256) as u8];
                        stream.write_all(&byte).await.unwrap();
                        let mut back = [0u8; 1];
                        stream.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, byte);
                        drop(permit);
                        stream // kept open: all 9,000 are alive together below
                    })
                })
                .collect();
            let mut open = Vec::with_capacity(CONNECTIONS);
            for client in clients {
                open.push(client.await.unwrap());
            }
            assert_eq!(open.len(), CONNECTIONS);
            server.await.unwrap();
            drop(open);
        })
        .await
    });
    assert!(
        run.is_ok(),
        "9,000 connections did not complete within {STALL_LIMIT:?}"
    );
}
