//! The client side: open a connection, run hyper's handshake, spawn the connection.
//!
//! hyper's client API is split in two halves: a [`SendRequest`] that sends requests, and
//! a `Connection` future that must be polled for any byte to move. These helpers spawn
//! the `Connection` as a spindle task and hand back the `SendRequest`. The task ends
//! when the connection closes: when the server closes it, or when every `SendRequest`
//! clone is dropped and the last response has been read.
//!
//! Several requests on one connection, one after the other (keep-alive):
//!
//! ```no_run
//! use http_body_util::{BodyExt, Empty};
//! use hyper::body::Bytes;
//!
//! # async fn fetch_all() -> std::io::Result<()> {
//! let mut sender = spindle_hyper::client::connect("127.0.0.1:8080").await?;
//! for path in ["/", "/stats"] {
//!     sender.ready().await.map_err(std::io::Error::other)?; // the previous answer is read
//!     let req = hyper::Request::get(path)
//!         .header(hyper::header::HOST, "127.0.0.1")
//!         .body(Empty::<Bytes>::new())
//!         .unwrap();
//!     let res = sender.send_request(req).await.map_err(std::io::Error::other)?;
//!     let body = res.into_body().collect().await.map_err(std::io::Error::other)?.to_bytes();
//!     println!("{path}: {} bytes", body.len());
//! }
//! # Ok(()) }
//! ```
//!
//! For many requests to many hosts (a crawler), keep one `SendRequest` per host and
//! await `ready()` on it before each request: HTTP/1.1 carries one request at a time.

use std::io;

use hyper::body::Body;
use hyper::client::conn::http1;
use spindle::io::AsyncWrite;
use spindle::net::{TcpStream, ToSocketAddrs};

use crate::{BoxError, SpindleIo, TrustedReadUninit};

/// Connects to `addr` over TCP (`TCP_NODELAY` on) and runs the HTTP/1.1 handshake.
/// Errors are the connect's `io::Error`, or hyper's handshake error wrapped in one.
///
/// Send requests with an absolute path (`/index.html`) and a `Host` header: hyper's
/// client connection sends the request line as given.
pub async fn connect<B>(addr: impl ToSocketAddrs) -> io::Result<http1::SendRequest<B>>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    handshake(stream).await.map_err(io::Error::other)
}

/// Runs the HTTP/1.1 handshake on an open stream and spawns its connection task. A
/// spindle socket goes in as it is; any other futures-io stream in [`ZeroFill`](crate::ZeroFill).
///
/// # Panics
/// Outside a spindle runtime (the connection task needs one).
pub async fn handshake<T, B>(io: T) -> hyper::Result<http1::SendRequest<B>>
where
    T: TrustedReadUninit + AsyncWrite + Unpin + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let (sender, connection) = http1::Builder::new().handshake(SpindleIo::new(io)).await?;
    // The connection's own error (the peer hung up) also reaches every pending
    // `send_request`, which is where the caller sees it; the task needs no report.
    spindle::spawn(async move {
        let _ = connection.with_upgrades().await;
    });
    Ok(sender)
}

/// Runs the HTTP/2 handshake (prior knowledge, no TLS/ALPN) on an open stream and spawns
/// its connection task; request streams run on [`SpindleExecutor`](crate::SpindleExecutor)
/// and keep-alive pings on [`SpindleTimer`]. Feature `http2`.
///
/// # Panics
/// Outside a spindle runtime.
#[cfg(feature = "http2")]
pub async fn handshake_http2<T, B>(
    io: T,
) -> hyper::Result<hyper::client::conn::http2::SendRequest<B>>
where
    T: TrustedReadUninit + AsyncWrite + Unpin + Send + 'static,
    B: Body + Send + 'static + Unpin,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let (sender, connection) =
        hyper::client::conn::http2::Builder::new(crate::SpindleExecutor::new())
            .timer(crate::SpindleTimer::new())
            .handshake(SpindleIo::new(io))
            .await?;
    spindle::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}
