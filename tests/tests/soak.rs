//! The soak: a seeded random mix of spawn, abort, sleep, timeout, TCP echo on loopback,
//! pool jobs and channels on a two-worker runtime, for 60 s. Run by .ci/run, not by a
//! plain `cargo test` (it is `#[ignore]`d):
//!
//! ```text
//! cargo test --release -p spindle-tests --test soak -- --ignored --nocapture
//! ```
//!
//! `SPINDLE_SOAK_SECS` changes the length (the memory check needs at least 30), and
//! `SPINDLE_SOAK_SEED` the seed (printed at the start, so a failure can be replayed).
//!
//! Checked at the end: every task is accounted for exactly once (each JoinHandle gave one
//! outcome, output or cancelled; each task's future was dropped exactly once; nothing is
//! left alive in the runtime), every echo came back intact, every channel message
//! arrived, and the resident memory (from /proc/self/statm) at the end is within 10% of
//! what it was at the one-third mark (20 s of 60): a leak of one task or one buffer per
//! operation would grow it steadily past that.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use spindle::net::{TcpListener, TcpStream};
use spindle::sync::{mpsc, oneshot};
use spindle::task::JoinHandle;
use spindle_tests::watchdog::Watchdog;

/// Deterministic xorshift64*: the seed fixes the sequence of operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Resident set size in bytes (second field of /proc/self/statm, in pages).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: sysconf only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    pages * page
}

/// Counts the drops of the futures it is moved into.
struct Tracked(Arc<AtomicU64>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[derive(Default)]
struct Tally {
    spawned: u64,
    completed: u64,
    cancelled: u64,
}

/// Echo server: each connection echoes what it reads until the client closes.
async fn echo_server(listener: TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        spindle::spawn(async move {
            let mut buf = [0u8; 256];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

/// The echo server's address and a few client connections the TCP operations share.
struct EchoClients {
    addr: std::net::SocketAddr,
    conns: Vec<spindle::sync::Mutex<Option<TcpStream>>>,
}

/// One operation of the mix, as a task; returns a checksum the driver verifies.
async fn operation(
    kind: u64,
    arg: u64,
    tcp: Arc<EchoClients>,
    pool: Arc<spindle_pool::ThreadPool>,
) -> u64 {
    match kind {
        // Plain compute, with a yield in the middle.
        0 => {
            spindle::task::yield_now().await;
            arg
        }
        // Sleep a few ms.
        1 => {
            spindle::time::sleep(Duration::from_micros(arg % 3000)).await;
            arg
        }
        // A timeout that may or may not elapse.
        2 => {
            let inner = spindle::time::sleep(Duration::from_micros(arg % 2000));
            match spindle::time::timeout(Duration::from_micros((arg >> 11) % 2000), inner).await {
                Ok(()) | Err(_) => arg,
            }
        }
        // TCP echo of 1-256 bytes.
        3 => {
            // A pooled connection, taken out while in use (an abort mid-echo drops it,
            // unread bytes and all); a fresh one when the slot is empty or 1 time in 16,
            // so connects stay far below what the ephemeral ports and TIME_WAIT allow.
            let slot = &tcp.conns[(arg % tcp.conns.len() as u64) as usize];
            let pooled = slot.lock().await.take().filter(|_| arg % 16 != 0);
            let mut stream = match pooled {
                Some(stream) => stream,
                None => TcpStream::connect(tcp.addr).await.unwrap(),
            };
            let len = 1 + (arg % 256) as usize;
            let data: Vec<u8> = (0..len).map(|i| (arg as usize + i) as u8).collect();
            stream.write_all(&data).await.unwrap();
            let mut back = vec![0u8; len];
            stream.read_exact(&mut back).await.unwrap();
            assert_eq!(back, data, "echo came back different");
            *slot.lock().await = Some(stream);
            arg
        }
        // A pool job, awaited.
        4 => pool.spawn(move || arg).await.unwrap(),
        // A bounded channel between two tasks, and a oneshot back.
        _ => {
            let (tx, mut rx) = mpsc::channel::<u64>(4);
            let (done_tx, done_rx) = oneshot::channel();
            spindle::spawn(async move {
                let mut sum = 0;
                while let Some(v) = rx.recv().await {
                    sum += v;
                }
                let _ = done_tx.send(sum);
            });
            let n = 1 + arg % 50;
            for v in 0..n {
                tx.send(v).await.unwrap();
            }
            drop(tx);
            assert_eq!(
                done_rx.await.unwrap(),
                n * (n - 1) / 2,
                "a channel message was lost"
            );
            arg
        }
    }
}

#[test]
#[ignore = "a 60 s soak, run by .ci/run (cargo test ... -- --ignored)"]
fn soak_mixed_workload() {
    let secs: u64 = std::env::var("SPINDLE_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("SPINDLE_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_2026);
    println!("soak: {secs} s, seed {seed}");
    let _w = Watchdog::new("soak_mixed_workload", secs + 120);
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let pool = Arc::new(spindle_pool::ThreadPool::new(2).unwrap());
    let dropped = Arc::new(AtomicU64::new(0));
    let mut rng = Rng(seed | 1);
    let (tally, rss_mark, rss_end) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spindle::spawn(echo_server(listener));
        let tcp = Arc::new(EchoClients {
            addr,
            conns: (0..8).map(|_| spindle::sync::Mutex::new(None)).collect(),
        });
        let mut tally = Tally::default();
        let start = Instant::now();
        let (mark, end) = (Duration::from_secs(secs / 3), Duration::from_secs(secs));
        let mut rss_mark = None;
        let mut next_report = Duration::from_secs(10);
        // At most this many operations in flight; the oldest is awaited first.
        let mut in_flight: VecDeque<(JoinHandle<u64>, u64, bool)> = VecDeque::new();
        while start.elapsed() < end {
            let (kind, arg) = (rng.below(6), rng.next() >> 8);
            let guard = Tracked(dropped.clone());
            let (pool, tcp) = (pool.clone(), tcp.clone());
            let handle = spindle::spawn(async move {
                let _guard = guard;
                operation(kind, arg, tcp, pool).await
            });
            tally.spawned += 1;
            // One in eight is aborted at a random point (maybe after it finished).
            let aborted = rng.below(8) == 0;
            if aborted {
                if rng.below(2) == 0 {
                    spindle::task::yield_now().await;
                }
                handle.abort();
            }
            in_flight.push_back((handle, arg, aborted));
            while in_flight.len() > 64 || (start.elapsed() >= end && !in_flight.is_empty()) {
                let (handle, arg, aborted) = in_flight.pop_front().unwrap();
                match handle.await {
                    Ok(v) => {
                        assert_eq!(v, arg, "an operation returned the wrong value");
                        tally.completed += 1;
                    }
                    Err(e) => {
                        assert!(e.is_cancelled() && aborted, "operation failed: {e}");
                        tally.cancelled += 1;
                    }
                }
            }
            let t = start.elapsed();
            if rss_mark.is_none() && t >= mark {
                rss_mark = Some(resident_bytes());
            }
            if t >= next_report {
                println!(
                    "soak: {:>3} s, {} operations, rss {} KiB",
                    t.as_secs(),
                    tally.spawned,
                    resident_bytes() / 1024
                );
                next_report += Duration::from_secs(10);
            }
        }
        for (handle, _, _) in in_flight {
            match handle.await {
                Ok(_) => tally.completed += 1,
                Err(_) => tally.cancelled += 1,
            }
        }
        server.abort();
        let _ = server.await;
        // Closing the pooled clients ends their server-side handlers: wait for them.
        drop(tcp);
        let handle = spindle::runtime::Handle::current();
        while handle.stats().live_tasks > 0 {
            spindle::task::yield_now().await;
        }
        (
            tally,
            rss_mark.expect("the soak ran past its mark"),
            resident_bytes(),
        )
    });
    assert_eq!(rt.stats().live_tasks, 0, "tasks left alive in the runtime");
    drop(rt);
    println!(
        "soak: {} operations ({} completed, {} cancelled), rss {} KiB at {} s, {} KiB at the end",
        tally.spawned,
        tally.completed,
        tally.cancelled,
        rss_mark / 1024,
        secs / 3,
        rss_end / 1024
    );
    assert_eq!(
        tally.completed + tally.cancelled,
        tally.spawned,
        "an outcome was lost or doubled"
    );
    assert_eq!(
        dropped.load(SeqCst),
        tally.spawned,
        "a task's future was not dropped exactly once"
    );
    assert!(tally.cancelled > 0 && tally.completed > 0);
    assert!(
        rss_end <= rss_mark + rss_mark / 10,
        "resident memory grew from {} KiB to {} KiB (> 10%)",
        rss_mark / 1024,
        rss_end / 1024
    );
}
