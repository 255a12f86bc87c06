//! A TCP echo server on spindle: every connection is a task, every byte comes back.
//!
//! ```sh
//! cargo run --release --example echo              # listens on 127.0.0.1:7878
//! cargo run --release --example echo -- 127.0.0.1:9000
//! nc 127.0.0.1 7878                               # type a line, get it back
//! ```
//!
//! Each accepted connection is spawned as its own task, which copies what it reads back
//! to the writer (`spindle::io::copy` over the stream's two halves). The server prints a
//! line when a connection opens and when it closes, with the bytes it echoed.
//!
//! Ctrl-C (SIGINT) or SIGTERM stops it: no new connections, 5 s for the open ones to
//! finish, the rest closed, the runtime dropped (so `SPINDLE_TRACE` writes its files),
//! exit 0.

use std::sync::atomic::{AtomicUsize, Ordering};

use std::task::Poll;
use std::time::Duration;

use spindle::io::AsyncWriteExt;
use spindle::net::TcpListener;
use spindle::signal::unix::{SignalKind, signal};
use spindle::task::JoinSet;

const GRACE: Duration = Duration::from_secs(5);

static OPEN: AtomicUsize = AtomicUsize::new(0);

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".to_string());
    let rt = spindle::Runtime::new()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(&addr).await?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        println!(
            "echo server on {} — try: nc {}  (Ctrl-C or SIGTERM stops)",
            listener.local_addr()?,
            listener.local_addr()?
        );
        let mut connections = JoinSet::new();
        loop {
            let (stream, peer) = spindle::select! {
                accepted = listener.accept() => accepted?,
                _ = interrupt.recv() => break,
                _ = terminate.recv() => break,
            };
            // Reap the connections that ended, so the set holds only open ones.
            // (Polled with this task's waker: a later wake from it is merely spurious.)
            std::future::poll_fn(|cx| {
                while let Poll::Ready(Some(_)) = connections.poll_join_next(cx) {}
                Poll::Ready(())
            })
            .await;
            let open = OPEN.fetch_add(1, Ordering::Relaxed) + 1;
            println!("{peer}: connected ({open} open)");
            connections.spawn(async move {
                let (mut reader, mut writer) = stream.into_split();
                let result = spindle::io::copy(&mut reader, &mut writer).await;
                let _ = writer.close().await;
                let open = OPEN.fetch_sub(1, Ordering::Relaxed) - 1;
                match result {
                    Ok(bytes) => {
                        println!("{peer}: closed after echoing {bytes} bytes ({open} open)")
                    }
                    Err(e) => println!("{peer}: error {e} ({open} open)"),
                }
            });
        }
        drop(listener);
        println!(
            "stopping: {} open, {}s to finish",
            connections.len(),
            GRACE.as_secs()
        );
        let drained = spindle::time::timeout(GRACE, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            println!("closing {} connections", connections.len());
            connections.shutdown().await;
        }
        Ok(())
    })
}
