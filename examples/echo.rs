//! A TCP echo server on spindle: every connection is a task, every byte comes back.
//!
//! ```sh
//! cargo run --release --example echo              # listens on 127.0.0.1:7878
//! cargo run --release --example echo -- 127.0.0.1:9000
//! nc 127.0.0.1 7878                               # type a line, get it back
//! SPINDLE_TRACE=trace.json cargo run --example echo   # Ctrl-C writes the trace
//! ```
//!
//! Each accepted connection is spawned as its own task, into a `JoinSet`, which copies
//! what it reads back to the writer (`spindle::io::copy` over the stream's two halves).
//! The server prints a line when a connection opens and when it closes, with the bytes
//! it echoed.
//!
//! Ctrl-C (SIGINT) or SIGTERM stops it cleanly: it stops accepting (the listener is
//! dropped, so new connections are refused), gives the open connections [`GRACE`] to
//! finish, aborts those still open, drops the runtime and exits 0 — so a traced run
//! (`SPINDLE_TRACE`) gets to write its trace. The signals are `Signal` streams made once,
//! before the loop: a delivery while the server is busy elsewhere is kept for the next
//! `recv` (a `ctrl_c()` future made anew in each loop turn could miss one).

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use spindle::io::AsyncWriteExt;
use spindle::net::TcpListener;
use spindle::signal::unix::{SignalKind, signal};
use spindle::task::JoinSet;

/// How long open connections may go on after a stop signal.
const GRACE: Duration = Duration::from_secs(2);

static OPEN: AtomicUsize = AtomicUsize::new(0);

fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".to_string());
    let rt = spindle::Runtime::new()?;
    rt.block_on(serve(addr))?;
    // Dropping the runtime joins its threads and, when traced, saves the trace.
    drop(rt);
    println!("stopped");
    Ok(())
}

async fn serve(addr: String) -> io::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let listener = TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?;
    println!("echo server on {local} — try: nc {local}; stop with Ctrl-C");
    let mut connections = JoinSet::new();
    let stopped_by = loop {
        let accepted = spindle::select! {
            accepted = listener.accept() => accepted?,
            // Reap finished connections, so the set holds only open ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            _ = interrupt.recv() => break "SIGINT",
            _ = terminate.recv() => break "SIGTERM",
        };
        let (stream, peer) = accepted;
        let open = OPEN.fetch_add(1, Ordering::Relaxed) + 1;
        println!("{peer}: connected ({open} open)");
        connections.spawn(echo(stream, peer));
    };
    drop(listener);
    let open = connections.len();
    println!("{stopped_by}: no longer accepting; {open} open, waiting up to {GRACE:?}");
    let drained = spindle::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        println!("grace over: closing {} connections", connections.len());
        connections.shutdown().await;
    }
    Ok(())
}

async fn echo(stream: spindle::net::TcpStream, peer: std::net::SocketAddr) {
    let (mut reader, mut writer) = stream.into_split();
    let result = spindle::io::copy(&mut reader, &mut writer).await;
    let _ = writer.close().await;
    let open = OPEN.fetch_sub(1, Ordering::Relaxed) - 1;
    match result {
        Ok(bytes) => println!("{peer}: closed after echoing {bytes} bytes ({open} open)"),
        Err(e) => println!("{peer}: error {e} ({open} open)"),
    }
}
