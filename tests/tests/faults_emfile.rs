//! EMFILE during accept, and recovery: a server process that runs out of descriptors
//! keeps its accept loop alive and serves every client once descriptors free up. The
//! server is a child process with a descriptor limit a few above what it has open; the
//! clients are in the parent (so their descriptors do not count against the limit), all
//! connected at once so the backlog holds more connections than the server may accept.
//! (tests/net_emfile.rs checks the same in-process, with the cooperative budget's view.)

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use spindle::net::TcpListener;
use spindle_tests::child_process::{expect_success, is_child, spawn_child};
use spindle_tests::descriptors::{fill_descriptor_holes, set_soft_fd_limit};
use spindle_tests::watchdog::Watchdog;

const CLIENTS: usize = 40;
/// Accepted streams the child may hold at once before accept fails with EMFILE.
const HEADROOM: u64 = 4;

/// The child: an echo server that may hold only HEADROOM more descriptors.
fn server() {
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let emfiles = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        // Number the next descriptors above every open one, then allow HEADROOM more.
        let (fillers, highest) = fill_descriptor_holes();
        set_soft_fd_limit(highest + 1 + HEADROOM);
        println!("port {}", listener.local_addr().unwrap().port());
        let served = Arc::new(AtomicUsize::new(0));
        let mut handlers = Vec::new();
        while handlers.len() < CLIENTS {
            match listener.accept().await {
                Ok((mut stream, _)) => {
                    let served = served.clone();
                    handlers.push(spindle::spawn(async move {
                        let mut byte = [0u8; 1];
                        stream.read_exact(&mut byte).await.unwrap();
                        stream.write_all(&byte).await.unwrap();
                        served.fetch_add(1, SeqCst);
                        // Dropping the stream frees its descriptor for the next accept.
                    }));
                }
                Err(e) if e.raw_os_error() == Some(libc::EMFILE) => {
                    // Out of descriptors: let the handlers run and close theirs.
                    emfiles.fetch_add(1, SeqCst);
                    spindle::time::sleep(Duration::from_millis(1)).await;
                }
                Err(e) => panic!("accept failed: {e}"),
            }
        }
        for h in handlers {
            h.await.unwrap();
        }
        assert_eq!(served.load(SeqCst), CLIENTS);
        drop(fillers);
    });
    assert!(
        emfiles.load(SeqCst) > 0,
        "the limit never bit: the test proves nothing"
    );
    println!("emfiles {}", emfiles.load(SeqCst));
}

#[test]
fn accept_survives_emfile_and_serves_everyone_after_descriptors_free_up() {
    if is_child("emfile_server") {
        server();
        std::process::exit(0);
    }
    let _w = Watchdog::new("accept_survives_emfile", 30);
    let mut child = spawn_child(
        "accept_survives_emfile_and_serves_everyone_after_descriptors_free_up",
        "emfile_server",
    );
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let port = loop {
        line.clear();
        assert_ne!(
            out.read_line(&mut line).unwrap(),
            0,
            "the server exited early"
        );
        // The harness prints "test <name> ... " on the same line first.
        if let Some((_, port)) = line.trim().split_once("port ") {
            break port.parse::<u16>().unwrap();
        }
    };
    // All connect at once: the kernel completes the handshakes into the backlog, far
    // more than the server may accept before it runs out of descriptors.
    let mut clients: Vec<_> = (0..CLIENTS)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    for (i, c) in clients.iter_mut().enumerate() {
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        c.write_all(&[i as u8]).unwrap();
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let mut byte = [0u8; 1];
        c.read_exact(&mut byte).unwrap();
        assert_eq!(byte[0], i as u8);
    }
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    child.stdout = None;
    assert!(rest.contains("emfiles "), "{rest}");
    expect_success(child, "emfile_server");
}
