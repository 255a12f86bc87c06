//! A hyper "hello" server on spindle (spindle-hyper) and the same on tokio (hyper-util's
//! `TokioIo`), each in its own process with 2 workers, loaded by `wrk` from a third:
//! A B A B ..., then requests/s and p50/p99 latency per run, medians and the ratios
//! spindle/tokio.
//!
//! ```sh
//! apt-get install -y wrk        # once
//! cargo bench -p spindle-benches --bench hyper_wrk
//! HYPER_WRK_PAIRS=11 HYPER_WRK_SECONDS=10 cargo bench -p spindle-benches --bench hyper_wrk
//! ```
//!
//! Each run: start the server (this same binary, re-executed with `HYPER_WRK_SERVE` set
//! to `spindle` or `tokio`; it prints its address and serves until killed), run
//! `wrk -t2 -c64 -d<secs>s --latency http://addr/`, parse wrk's summary, kill the
//! server. Without wrk on the PATH it says so and exits 0 (it is not part of CI).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const WORKERS: usize = 2;

/// What one wrk run measured.
#[derive(Clone, Copy, Debug)]
struct Run {
    requests_per_s: f64,
    p50_us: f64,
    p99_us: f64,
}

fn main() {
    if let Ok(which) = std::env::var("HYPER_WRK_SERVE") {
        serve(&which);
        return;
    }
    let pairs: usize = env_or("HYPER_WRK_PAIRS", 5);
    let seconds: u64 = env_or("HYPER_WRK_SECONDS", 5);
    let connections: usize = env_or("HYPER_WRK_CONNECTIONS", 64);
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("hyper_wrk: wrk is not installed (apt-get install -y wrk); skipped");
        return;
    }
    let mut spindle_runs = Vec::new();
    let mut tokio_runs = Vec::new();
    println!("pair  runtime   req/s       p50       p99");
    for pair in 0..pairs {
        for which in ["spindle", "tokio"] {
            let run = load(which, seconds, connections);
            println!(
                "{pair:>4}  {which:<8} {:>8.0} {:>7.0}µs {:>7.0}µs",
                run.requests_per_s, run.p50_us, run.p99_us
            );
            match which {
                "spindle" => spindle_runs.push(run),
                _ => tokio_runs.push(run),
            }
        }
    }
    let median = |runs: &[Run], f: fn(&Run) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "\nmedians of {pairs} pairs (wrk -t2 -c{connections} -d{seconds}s, {WORKERS} workers each):"
    );
    for (name, f) in [
        ("req/s", (|r: &Run| r.requests_per_s) as fn(&Run) -> f64),
        ("p50 µs", |r: &Run| r.p50_us),
        ("p99 µs", |r: &Run| r.p99_us),
    ] {
        let (s, t) = (median(&spindle_runs, f), median(&tokio_runs, f));
        println!(
            "  {name:<7} spindle {s:>9.1}  tokio {t:>9.1}  ratio {:.3}",
            s / t
        );
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Starts the `which` server as a child process, loads it with wrk, stops it.
fn load(which: &str, seconds: u64, connections: usize) -> Run {
    let mut server = Command::new(std::env::current_exe().unwrap())
        .env("HYPER_WRK_SERVE", which)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server process");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().to_string();
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
        ])
        .arg(format!("http://{addr}/"))
        .output()
        .expect("run wrk");
    let _ = server.kill();
    let _ = server.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    parse_wrk(&text).unwrap_or_else(|| panic!("could not read wrk's output:\n{text}"))
}

/// Reads `Requests/sec:` and the `50%` / `99%` lines of wrk's `--latency` summary.
fn parse_wrk(text: &str) -> Option<Run> {
    let mut run = Run {
        requests_per_s: f64::NAN,
        p50_us: f64::NAN,
        p99_us: f64::NAN,
    };
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("Requests/sec:"), Some(v)) => run.requests_per_s = v.parse().ok()?,
            (Some("50%"), Some(v)) => run.p50_us = micros(v)?,
            (Some("99%"), Some(v)) => run.p99_us = micros(v)?,
            _ => {}
        }
    }
    (!run.requests_per_s.is_nan() && !run.p50_us.is_nan() && !run.p99_us.is_nan()).then_some(run)
}

/// "612.00us", "2.31ms", "1.02s" in microseconds.
fn micros(v: &str) -> Option<f64> {
    let split = v.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = v.split_at(split);
    let n: f64 = n.parse().ok()?;
    Some(match unit {
        "us" => n,
        "ms" => n * 1e3,
        "s" => n * 1e6,
        _ => return None,
    })
}

async fn hello(
    _req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<http_body_util::Full<hyper::body::Bytes>>, std::convert::Infallible> {
    Ok(hyper::Response::new(http_body_util::Full::new(
        hyper::body::Bytes::from_static(b"hello world"),
    )))
}

/// The server process: prints its address, serves until killed.
fn serve(which: &str) {
    match which {
        "spindle" => {
            let rt = spindle::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .build()
                .unwrap();
            rt.block_on(async {
                let listener = spindle::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .unwrap();
                println!("{}", listener.local_addr().unwrap());
                spindle_hyper::serve(listener, hyper::service::service_fn(hello))
                    .run()
                    .await
                    .unwrap();
            });
        }
        "tokio" => {
            use hyper_util::rt::{TokioIo, TokioTimer};
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                println!("{}", listener.local_addr().unwrap());
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .timer(TokioTimer::new())
                            .keep_alive(true)
                            .serve_connection(
                                TokioIo::new(stream),
                                hyper::service::service_fn(hello),
                            )
                            .await;
                    });
                }
            });
        }
        other => panic!("HYPER_WRK_SERVE={other}: expected spindle or tokio"),
    }
}
