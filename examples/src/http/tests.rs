//! The routes through a real server and hyper's client, in process, over loopback.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use spindle::io::{AsyncReadExt, AsyncWriteExt};

use super::{HELLO, route};

/// Starts the routes on a loopback port; the server runs until the runtime drops.
async fn start() -> SocketAddr {
    let listener = spindle::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    spindle::spawn(spindle_hyper::serve(listener, hyper::service::service_fn(route)).run());
    addr
}

async fn ask(addr: SocketAddr, req: Request<Full<Bytes>>) -> (StatusCode, hyper::HeaderMap, Bytes) {
    let mut client = spindle_hyper::client::connect(addr).await.unwrap();
    let res = client.send_request(req).await.unwrap();
    let (parts, body) = res.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.unwrap().to_bytes(),
    )
}

fn request(method: &str, path: &str, body: &'static [u8]) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", "application/x-test")
        .body(Full::new(Bytes::from_static(body)))
        .unwrap()
}

#[spindle::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_answer_as_documented() {
    let addr = start().await;
    let (status, _, body) = ask(addr, request("GET", "/", b"")).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, HELLO.as_bytes()));

    let (status, headers, body) = ask(addr, request("POST", "/echo", b"ping pong")).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"ping pong"[..]));
    assert_eq!(headers["content-type"], "application/x-test");

    let (status, headers, _) = ask(addr, request("GET", "/echo", b"")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers["allow"], "POST");

    let (status, _, body) = ask(addr, request("GET", "/stats", b"")).await;
    assert_eq!(status, StatusCode::OK);
    let table = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        table.contains("worker") && table.contains("polls"),
        "{table}"
    );

    let (status, _, body) = ask(addr, request("GET", "/dump", b"")).await;
    assert_eq!(status, 200);
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        body.contains("live tasks") && body.contains("running"),
        "{body}"
    );
    let (status, _, _) = ask(addr, request("GET", "/nope", b"")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // #[spindle::test] builds an untraced runtime: the timeline says how to get one.
    let (status, _, body) = ask(addr, request("GET", "/timeline.svg", b"")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body:?}");
}

#[spindle::test]
async fn malformed_requests_get_400_and_serving_goes_on() {
    let addr = start().await;
    let mut raw = spindle::net::TcpStream::connect(addr).await.unwrap();
    raw.write_all(b"GET / HTTP/1.1\r\nbad header line\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    raw.read_to_end(&mut answer).await.unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 400 "),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );

    let (status, _, _) = ask(addr, request("GET", "/", b"")).await;
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn timeline_draws_the_traced_runtime_as_svg() {
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .trace(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let addr = start().await;
        for _ in 0..10 {
            ask(addr, request("GET", "/", b"")).await;
        }
        let (status, headers, svg) = ask(addr, request("GET", "/timeline.svg", b"")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "image/svg+xml");
        let svg = String::from_utf8(svg.to_vec()).unwrap();
        assert!(
            svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{svg}"
        );
        assert!(svg.contains("worker 0"), "the workers' lanes are drawn");
    });
}
