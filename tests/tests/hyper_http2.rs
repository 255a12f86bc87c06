//! HTTP/2 on spindle-hyper: hyper's HTTP/2 client and the HTTP/1+2 server multiplex
//! streams over one connection (each stream a task on `SpindleExecutor`), and the
//! server's keep-alive pings run on `SpindleTimer`.

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, Version};
use spindle::io::{AsyncReadExt, AsyncWriteExt};
use spindle::net::{TcpListener, TcpStream};

async fn echo(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    assert_eq!(req.version(), Version::HTTP_2);
    let path = req.uri().path().to_owned();
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let mut answer = path.into_bytes();
    answer.extend_from_slice(&body);
    Ok(Response::new(Full::new(Bytes::from(answer))))
}

#[spindle::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_streams_share_one_connection() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = spindle::sync::oneshot::channel::<()>();
    let server = spindle::spawn(
        spindle_hyper::serve(listener, hyper::service::service_fn(echo))
            .http1_and_http2()
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .run(),
    );

    let stream = TcpStream::connect(addr).await?;
    let sender = spindle_hyper::client::handshake_http2::<_, Full<Bytes>>(stream)
        .await
        .map_err(std::io::Error::other)?;
    // 20 requests in flight at once on one connection: HTTP/2 multiplexing.
    let requests: Vec<_> = (0..20)
        .map(|i| {
            let mut sender = sender.clone();
            spindle::spawn(async move {
                let req = Request::post(format!("http://localhost/r{i}"))
                    .body(Full::new(Bytes::from(format!("-{i}"))))
                    .unwrap();
                let res = sender.send_request(req).await.unwrap();
                assert_eq!(res.version(), Version::HTTP_2);
                res.into_body().collect().await.unwrap().to_bytes()
            })
        })
        .collect();
    for (i, request) in requests.into_iter().enumerate() {
        assert_eq!(request.await.unwrap(), format!("/r{i}-{i}").as_bytes());
    }
    drop(sender);

    stop.send(()).unwrap();
    let report = server.await.unwrap()?;
    assert_eq!(report.accepted, 1);
    assert_eq!(report.aborted, 0);
    Ok(())
}

/// A peer that opens HTTP/2 and then never answers the server's pings: the server's
/// keep-alive (interval 20 ms, timeout 20 ms, both on SpindleTimer) must close it.
#[spindle::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_keep_alive_timeout_closes_a_silent_peer() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut serve = spindle_hyper::serve(listener, hyper::service::service_fn(echo))
        .http1_and_http2()
        .with_graceful_shutdown(std::future::pending());
    serve
        .auto_builder()
        .expect("HTTP/1+2 server")
        .http2()
        .keep_alive_interval(Duration::from_millis(20))
        .keep_alive_timeout(Duration::from_millis(20));
    let server = spindle::spawn(serve.run());

    let mut peer = TcpStream::connect(addr).await?;
    // The client preface and an empty SETTINGS frame (RFC 9113 §3.4, §6.5).
    peer.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await?;
    let mut from_server = Vec::new();
    // Reading to the end returns only once the server closed the connection; the
    // timeout bounds the test if the keep-alive timer never fires.
    spindle::time::timeout(Duration::from_secs(10), peer.read_to_end(&mut from_server))
        .await
        .expect("the server's keep-alive timeout closed the connection")?;
    // The server sent at least a SETTINGS frame (type 0x4) and a PING (type 0x6).
    assert!(frame_types(&from_server).contains(&0x6), "{from_server:?}");
    server.abort();
    Ok(())
}

/// The frame types in a byte stream of HTTP/2 frames (9-byte headers, RFC 9113 §4.1).
fn frame_types(mut bytes: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    while bytes.len() >= 9 {
        let len = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]) as usize;
        types.push(bytes[3]);
        bytes = &bytes[(9 + len).min(bytes.len())..];
    }
    types
}
