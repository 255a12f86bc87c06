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

use std::sync::atomic::{AtomicUsize, Ordering};

use spindle::io::AsyncWriteExt;
use spindle::net::TcpListener;

static OPEN: AtomicUsize = AtomicUsize::new(0);

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".to_string());
    let rt = spindle::Runtime::new()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(&addr).await?;
        println!(
            "echo server on {} — try: nc {}",
            listener.local_addr()?,
            listener.local_addr()?
        );
        loop {
            let (stream, peer) = listener.accept().await?;
            let open = OPEN.fetch_add(1, Ordering::Relaxed) + 1;
            println!("{peer}: connected ({open} open)");
            spindle::spawn(async move {
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
    })
}
