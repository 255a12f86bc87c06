//! Draws the timeline picture in the README: a small program, traced by spindle itself.
//!
//! The program is the book chapter's web-scraping case in miniature, on loopback: a
//! server task accepts 6 connections and answers each from a task of its own; 6 fetcher
//! tasks connect, send a request, read a 64 KiB page, and hand it to the blocking pool to
//! "parse" (a checksum loop), then sleep a millisecond and fetch again. A seventh task
//! is CPU-bound ("render", 3 ms of arithmetic in slices), so one worker stays busy and
//! the other has to steal from it. Tasks are named at spawn, so the legend speaks.
//!
//! ```text
//! cargo run --release --example timeline [-- docs/timeline.svg]
//! ```
//! Writes the SVG (default `docs/timeline.svg`) and prints the runtime's stats table.

use std::io;
use std::time::{Duration, Instant};

use spindle::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use spindle::net::{TcpListener, TcpStream};
use spindle::runtime::Builder;
use spindle::task;

const FETCHERS: usize = 6;
const ROUNDS: usize = 2;
const PAGE: usize = 64 * 1024;

fn main() -> io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs/timeline.svg".to_string());
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .blocking_threads(2)
        .trace(true)
        .build()?;
    rt.block_on(scrape())?;
    println!("{}", rt.stats());
    // Threads flush their trace buffers when they sleep and when they exit; after the
    // drop every thread has exited, so the handle's snapshot holds everything.
    let handle = rt.handle().clone();
    drop(rt);
    let trace = handle.trace_snapshot().expect("built with trace(true)");
    trace.write_svg(std::fs::File::create(&out)?)?;
    println!("wrote {out}");
    Ok(())
}

async fn scrape() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = task::Builder::new().name("server").spawn(async move {
        for _ in 0..FETCHERS * ROUNDS {
            let (stream, _) = listener.accept().await?;
            task::Builder::new().name("serve").spawn(serve(stream))?;
        }
        io::Result::Ok(())
    })?;
    let render = task::Builder::new().name("render").spawn(render())?;
    let mut fetchers = Vec::new();
    for i in 0..FETCHERS {
        let name = format!("fetch {i}");
        fetchers.push(task::Builder::new().name(&name).spawn(fetch(addr, i))?);
    }
    let mut checksum = 0u64;
    for f in fetchers {
        checksum = checksum.wrapping_add(f.await.map_err(io::Error::other)??);
    }
    server.await.map_err(io::Error::other)??;
    render.await.map_err(io::Error::other)?;
    println!("checksum {checksum:#x}");
    Ok(())
}

/// Answers one request line with a page.
async fn serve(stream: TcpStream) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let seed = line.len() as u8;
    let page: Vec<u8> = (0..PAGE)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect();
    reader.get_mut().write_all(&page).await
}

/// Fetches a page `ROUNDS` times, parsing each on the blocking pool.
async fn fetch(addr: std::net::SocketAddr, i: usize) -> io::Result<u64> {
    let mut sum = 0u64;
    for round in 0..ROUNDS {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(format!("GET /page/{i}/{round}\n").as_bytes())
            .await?;
        let mut page = vec![0u8; PAGE];
        stream.read_exact(&mut page).await?;
        let parsed = task::Builder::new()
            .name("parse")
            .spawn_blocking(move || parse(&page))?;
        sum = sum.wrapping_add(parsed.await.map_err(io::Error::other)?);
        spindle::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(sum)
}

/// "Parsing": an FNV-1a hash of the page, slow enough to show on the timeline.
fn parse(page: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for _ in 0..8 {
        for &b in page {
            hash = (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A CPU-bound task: 3 ms of arithmetic in slices of ~0.5 ms, yielding in between.
async fn render() -> u64 {
    let mut x = 1u64;
    for _ in 0..6 {
        let start = Instant::now();
        while start.elapsed() < Duration::from_micros(500) {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
        task::yield_now().await;
    }
    x
}
