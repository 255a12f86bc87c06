//! spindle-hyper's server against hyper's own client, over loopback: requests and
//! bodies, keep-alive, malformed input, graceful shutdown.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use spindle::io::{AsyncReadExt, AsyncWriteExt};
use spindle::net::{TcpListener, TcpStream};
use spindle::sync::{Mutex, oneshot};
use spindle::task::JoinHandle;
use spindle_hyper::ServeReport;

type Reply = Result<Response<Full<Bytes>>, Infallible>;

/// `/` answers "hello", `/echo` echoes the request body.
async fn routes(req: Request<Incoming>) -> Reply {
    match req.uri().path() {
        "/echo" => {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            Ok(Response::new(Full::new(body)))
        }
        _ => Ok(Response::new(Full::new(Bytes::from_static(b"hello")))),
    }
}

struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<ServeReport>>,
}

impl Server {
    async fn stop(self) -> ServeReport {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap()
    }
}

async fn start<S, B>(service: S, grace: Duration) -> Server
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<spindle_hyper::BoxError>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<spindle_hyper::BoxError>,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = spindle::spawn(
        spindle_hyper::serve(listener, service)
            .grace_period(grace)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .run(),
    );
    Server { addr, stop, task }
}

fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "localhost")
        .body(Full::default())
        .unwrap()
}

async fn body_of(res: Response<Incoming>) -> Bytes {
    res.into_body().collect().await.unwrap().to_bytes()
}

#[spindle::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_post_echo() {
    let server = start(hyper::service::service_fn(routes), Duration::from_secs(5)).await;
    let mut client = spindle_hyper::client::connect(server.addr).await.unwrap();

    let res = client.send_request(get("/")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(&body_of(res).await[..], b"hello");

    let payload = Bytes::from(vec![b'x'; 100_000]);
    let req = Request::post("/echo")
        .header("host", "localhost")
        .body(Full::new(payload.clone()))
        .unwrap();
    client.ready().await.unwrap();
    let res = client.send_request(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_of(res).await, payload);

    drop(client);
    let report = server.stop().await;
    assert_eq!(
        report,
        ServeReport {
            accepted: 1,
            failed: 0,
            aborted: 0
        }
    );
}

#[spindle::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_serves_100_requests_on_one_connection() {
    let server = start(hyper::service::service_fn(routes), Duration::from_secs(5)).await;
    let mut client = spindle_hyper::client::connect(server.addr).await.unwrap();
    for i in 0..100 {
        client.ready().await.unwrap();
        let req = Request::post("/echo")
            .header("host", "localhost")
            .body(Full::new(Bytes::from(format!("request {i}"))))
            .unwrap();
        let res = client.send_request(req).await.unwrap();
        assert_eq!(body_of(res).await, format!("request {i}").as_bytes());
    }
    drop(client);
    let report = server.stop().await;
    assert_eq!(
        report.accepted, 1,
        "all 100 requests must reuse one connection"
    );
    assert_eq!(report.failed, 0);
}

#[spindle::test]
async fn garbage_gets_400_and_the_server_keeps_serving() {
    let server = start(hyper::service::service_fn(routes), Duration::from_secs(5)).await;

    let mut raw = TcpStream::connect(server.addr).await.unwrap();
    raw.write_all(b"\x01\x02 not http at all\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    raw.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "got {answer:?}"
    );

    let mut client = spindle_hyper::client::connect(server.addr).await.unwrap();
    let res = client.send_request(get("/")).await.unwrap();
    assert_eq!(&body_of(res).await[..], b"hello");

    drop(client);
    let report = server.stop().await;
    assert_eq!(
        report,
        ServeReport {
            accepted: 2,
            failed: 1,
            aborted: 0
        }
    );
}

/// A service whose `/slow` route tells the test it started, then waits for the test's
/// go-ahead: an in-flight request the test controls exactly, with no sleeps.
#[derive(Clone)]
struct Slow {
    started: Arc<Mutex<Option<oneshot::Sender<()>>>>,
    release: Arc<Mutex<Option<oneshot::Receiver<()>>>>,
}

impl Slow {
    async fn call(self, req: Request<Incoming>) -> Reply {
        if req.uri().path() == "/slow" {
            if let Some(tx) = self.started.lock().await.take() {
                let _ = tx.send(());
            }
            let release = self.release.lock().await.take().expect("one slow request");
            let _ = release.await;
            return Ok(Response::new(Full::new(Bytes::from_static(b"slow done"))));
        }
        routes(req).await
    }
}

fn slow_service() -> (Slow, oneshot::Receiver<()>, oneshot::Sender<()>) {
    let (started_tx, started_rx) = oneshot::channel();
    let (release_tx, release_rx) = oneshot::channel();
    let slow = Slow {
        started: Arc::new(Mutex::new(Some(started_tx))),
        release: Arc::new(Mutex::new(Some(release_rx))),
    };
    (slow, started_rx, release_tx)
}

/// Connects until the kernel refuses: the server drops its listener in the same poll
/// that sees the signal, but the test cannot see that poll. Bounded, no sleeps.
async fn wait_until_refused(addr: SocketAddr) {
    for _ in 0..10_000 {
        match TcpStream::connect(addr).await {
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return,
            // Queued in the backlog as the listener closed: reset, not yet refused.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("unexpected connect error {e}"),
            Ok(_) => spindle::task::yield_now().await,
        }
    }
    panic!("the server still accepts connections after shutdown");
}

#[spindle::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_in_flight_and_refuses_new_connections() {
    let (slow, started, release) = slow_service();
    let service = hyper::service::service_fn(move |req| slow.clone().call(req));
    let server = start(service, Duration::from_secs(10)).await;

    let mut client = spindle_hyper::client::connect(server.addr).await.unwrap();
    let in_flight = spindle::spawn(async move { client.send_request(get("/slow")).await });
    started.await.unwrap();

    let addr = server.addr;
    let _ = server.stop.send(());
    wait_until_refused(addr).await;

    release.send(()).unwrap();
    let res = in_flight.await.unwrap().unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // hyper marks the last response of a connection that is shutting down.
    assert_eq!(res.headers()["connection"], "close");
    assert_eq!(&body_of(res).await[..], b"slow done");

    let report = server.task.await.unwrap().unwrap();
    assert_eq!(report.aborted, 0);
    assert_eq!(report.failed, 0);
}

#[spindle::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_still_running_after_the_grace_period_are_aborted() {
    let (slow, started, _release_never) = slow_service();
    let service = hyper::service::service_fn(move |req| slow.clone().call(req));
    let server = start(service, Duration::from_millis(50)).await;

    let mut client = spindle_hyper::client::connect(server.addr).await.unwrap();
    let in_flight = spindle::spawn(async move { client.send_request(get("/slow")).await });
    started.await.unwrap();

    let report = server.stop().await;
    assert_eq!(
        report,
        ServeReport {
            accepted: 1,
            failed: 0,
            aborted: 1
        }
    );
    // The aborted connection's socket was closed: the client sees an error, not a hang.
    let err = in_flight.await.unwrap().unwrap_err();
    assert!(
        err.is_incomplete_message() || err.is_closed() || err.is_canceled(),
        "{err:?}"
    );
}

/// hyper's HTTP/1 header-read timeout runs on SpindleTimer: a peer that sends half a
/// request head and stops is answered 408 and closed once the timeout passes.
#[spindle::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_read_timeout_closes_a_stalled_peer() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut serve = spindle_hyper::serve(listener, hyper::service::service_fn(routes))
        .with_graceful_shutdown(std::future::pending());
    serve
        .http1_builder()
        .expect("HTTP/1 server")
        .header_read_timeout(Duration::from_millis(30));
    let server = spindle::spawn(serve.run());

    let mut raw = TcpStream::connect(addr).await.unwrap();
    raw.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    spindle::time::timeout(Duration::from_secs(10), raw.read_to_end(&mut answer))
        .await
        .expect("the header-read timeout closed the connection")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "got {answer:?}"
    );
    server.abort();
}

/// Any futures-io stream works through `ZeroFill`: here a Unix socket pair, wrapped,
/// with the client handshake on one end and hyper's server connection on the other.
#[spindle::test]
async fn zero_fill_carries_a_futures_io_stream() {
    let (client_end, server_end) = spindle::net::UnixStream::pair().unwrap();
    spindle::spawn(async move {
        let io = spindle_hyper::SpindleIo::new(spindle_hyper::ZeroFill::new(server_end));
        hyper::server::conn::http1::Builder::new()
            .serve_connection(io, hyper::service::service_fn(routes))
            .await
            .unwrap();
    });
    let mut client = spindle_hyper::client::handshake(spindle_hyper::ZeroFill::new(client_end))
        .await
        .unwrap();
    let req = Request::post("/echo")
        .header("host", "localhost")
        .body(Full::new(Bytes::from_static(b"through zero-fill")))
        .unwrap();
    let res = client.send_request(req).await.unwrap();
    assert_eq!(&body_of(res).await[..], b"through zero-fill");
}
