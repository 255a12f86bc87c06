//! hyper on spindle (spindle-hyper) beside hyper on tokio (hyper-util's `TokioIo` and
//! `TokioTimer`): the same hello service, hyper's own client, loopback, one runtime of 2
//! workers holding both the server and the client on each side.
//!
//! | group | workload |
//! |---|---|
//! | `hyper_round_trip` | one keep-alive connection, one GET after the other (per request) |
//! | `hyper_64_connections` | 64 connections x 100 GETs at once (per batch of 6,400) |
//!
//! Run: `cargo bench -p spindle-benches --bench hyper`. The wrk figures (a second
//! process loading the server) come from `--bench hyper_wrk`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Response};

const WORKERS: usize = 2;
const CONNECTIONS: usize = 64;
const REQUESTS_PER_CONNECTION: usize = 100;

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"hello world"))))
}

fn get() -> Request<Empty<Bytes>> {
    Request::get("/")
        .header("host", "localhost")
        .body(Empty::new())
        .unwrap()
}

/// One request and its whole body; the same on both runtimes.
async fn round_trip(sender: &mut SendRequest<Empty<Bytes>>) {
    sender.ready().await.unwrap();
    let res = sender.send_request(get()).await.unwrap();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"hello world");
}

mod on_spindle {
    use super::*;

    pub fn runtime() -> spindle::Runtime {
        spindle::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .build()
            .unwrap()
    }

    pub async fn server() -> SocketAddr {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        spindle::spawn(spindle_hyper::serve(listener, hyper::service::service_fn(hello)).run());
        addr
    }

    pub async fn client(addr: SocketAddr) -> SendRequest<Empty<Bytes>> {
        spindle_hyper::client::connect(addr).await.unwrap()
    }

    pub async fn many(addr: SocketAddr) {
        let tasks: Vec<_> = (0..CONNECTIONS)
            .map(|_| {
                spindle::spawn(async move {
                    let mut sender = client(addr).await;
                    for _ in 0..REQUESTS_PER_CONNECTION {
                        round_trip(&mut sender).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    }
}

mod on_tokio {
    use super::*;
    use hyper_util::rt::{TokioIo, TokioTimer};

    pub fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .enable_all()
            .build()
            .unwrap()
    }

    /// The same server as spindle-hyper's `serve`: HTTP/1.1, keep-alive, hyper's timer
    /// set (so its header-read timeout is armed per request there too), TCP_NODELAY.
    pub async fn server() -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), hyper::service::service_fn(hello))
                        .await;
                });
            }
        });
        addr
    }

    pub async fn client(addr: SocketAddr) -> SendRequest<Empty<Bytes>> {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        sender
    }

    pub async fn many(addr: SocketAddr) {
        let tasks: Vec<_> = (0..CONNECTIONS)
            .map(|_| {
                tokio::spawn(async move {
                    let mut sender = client(addr).await;
                    for _ in 0..REQUESTS_PER_CONNECTION {
                        round_trip(&mut sender).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    }
}

fn hyper_round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("hyper_round_trip");
    let rt = on_spindle::runtime();
    let mut sender = rt.block_on(async { on_spindle::client(on_spindle::server().await).await });
    group.bench_function("spindle", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    round_trip(&mut sender).await;
                }
                start.elapsed()
            })
        })
    });
    let rt = on_tokio::runtime();
    let mut sender = rt.block_on(async { on_tokio::client(on_tokio::server().await).await });
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    round_trip(&mut sender).await;
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

fn hyper_64_connections(c: &mut Criterion) {
    let mut group = c.benchmark_group("hyper_64_connections");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    let spindle_rt = on_spindle::runtime();
    let spindle_addr = spindle_rt.block_on(on_spindle::server());
    let tokio_rt = on_tokio::runtime();
    let tokio_addr = tokio_rt.block_on(on_tokio::server());
    group.bench_function("spindle", |b| {
        b.iter(|| spindle_rt.block_on(on_spindle::many(spindle_addr)))
    });
    group.bench_function("tokio", |b| {
        b.iter(|| tokio_rt.block_on(on_tokio::many(tokio_addr)))
    });
    group.finish();
}

criterion_group!(benches, hyper_round_trip, hyper_64_connections);
criterion_main!(benches);
