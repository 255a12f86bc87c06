//! 9,000 loopback connections open at once in one process: one epoll serves them all.
//!
//! Each connection takes two descriptors here (client and server end), 18,000 in all;
//! the soft RLIMIT_NOFILE is raised to the hard limit first (20,000 on these machines),
//! and the test skips with a message where the hard limit is too low.

use spindle::io::{AsyncReadExt, AsyncWriteExt};
use spindle::net::{TcpListener, TcpStream};

const CONNECTIONS: usize = 9_000;

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
    rt.block_on(async {
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
        let clients: Vec<_> = (0..CONNECTIONS)
            .map(|i| {
                spindle::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    let byte = [(i % 256) as u8];
                    stream.write_all(&byte).await.unwrap();
                    let mut back = [0u8; 1];
                    stream.read_exact(&mut back).await.unwrap();
                    assert_eq!(back, byte);
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
    });
}
