//! # spindle-hyper — hyper 1.x on spindle
//!
//! hyper 1.x is runtime-agnostic: it drives HTTP state machines and asks the runtime for
//! four things through `hyper::rt`, which this crate supplies:
//!
//! | hyper needs | here | what it does |
//! |---|---|---|
//! | `rt::Read` + `rt::Write` (bytes in and out) | [`SpindleIo`] | spindle sockets; reads land in hyper's uninitialised buffer without zero-filling it |
//! | the same, for any futures-io stream | [`ZeroFill`] | zero-fills each read buffer first, the sound way for a reader we know nothing about |
//! | `rt::Executor` (HTTP/2 spawns a task per stream) | [`SpindleExecutor`] | `Handle::spawn` |
//! | `rt::Timer` (keep-alive and header timeouts, HTTP/2 pings) | [`SpindleTimer`] | spindle's timing wheel |
//!
//! On top of them: [`serve`] (an accept loop with graceful shutdown) and [`client`]
//! (connect + handshake, the connection task spawned on spindle).
//!
//! ## A server
//!
//! ```
//! use std::convert::Infallible;
//! use http_body_util::{BodyExt, Full};
//! use hyper::body::{Bytes, Incoming};
//! use hyper::{Request, Response};
//!
//! async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     Ok(Response::new(Full::new(Bytes::from_static(b"hello from spindle\n"))))
//! }
//!
//! let rt = spindle::Runtime::new()?;
//! rt.block_on(async {
//!     let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let (stop, stopped) = spindle::sync::oneshot::channel::<()>();
//!     let server = spindle::spawn(
//!         spindle_hyper::serve(listener, hyper::service::service_fn(hello))
//!             .with_graceful_shutdown(async move { let _ = stopped.await; })
//!             .run(),
//!     );
//!
//!     // Any HTTP client works; this one is hyper's, through spindle_hyper::client.
//!     let mut sender = spindle_hyper::client::connect(addr).await?;
//!     let req = Request::get("/").header("host", "localhost").body(Full::<Bytes>::default()).unwrap();
//!     let res = sender.send_request(req).await.map_err(std::io::Error::other)?;
//!     let body = res.into_body().collect().await.map_err(std::io::Error::other)?.to_bytes();
//!     assert_eq!(&body[..], b"hello from spindle\n");
//!
//!     drop(sender); // the client's connection closes
//!     stop.send(()).unwrap();
//!     let report = server.await.unwrap()?;
//!     assert_eq!(report.accepted, 1);
//!     Ok::<_, std::io::Error>(())
//! })?;
//! # Ok::<_, std::io::Error>(())
//! ```
//!
//! ## A client
//!
//! [`client::connect`] opens a TCP connection, runs hyper's HTTP/1.1 handshake and spawns
//! the connection's task; the returned `SendRequest` sends requests on it (one at a time:
//! HTTP/1.1 has no multiplexing; open more connections for parallel requests).
//!
//! ```
//! use http_body_util::{BodyExt, Empty};
//! use hyper::body::Bytes;
//!
//! // A one-shot HTTP/1.0-style server made of a plain socket, to have something to ask.
//! let rt = spindle::Runtime::new()?;
//! rt.block_on(async {
//!     use spindle::io::{AsyncReadExt, AsyncWriteExt};
//!     let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     spindle::spawn(async move {
//!         let (mut s, _) = listener.accept().await.unwrap();
//!         let mut buf = [0u8; 1024];
//!         let _ = s.read(&mut buf).await.unwrap();
//!         s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await.unwrap();
//!     });
//!
//!     let mut sender = spindle_hyper::client::connect(addr).await?;
//!     let req = hyper::Request::get(format!("http://{addr}/"))
//!         .header(hyper::header::HOST, addr.to_string())
//!         .body(Empty::<Bytes>::new())
//!         .unwrap();
//!     let res = sender.send_request(req).await.map_err(std::io::Error::other)?;
//!     assert_eq!(res.status(), 200);
//!     let body = res.into_body().collect().await.map_err(std::io::Error::other)?.to_bytes();
//!     assert_eq!(&body[..], b"ok");
//!     Ok::<_, std::io::Error>(())
//! })?;
//! # Ok::<_, std::io::Error>(())
//! ```
//!
//! ## Features and dependencies
//! - `http2` (off by default): HTTP/2 in the client ([`client::handshake_http2`]) and an
//!   HTTP/1.1-or-HTTP/2 server ([`Serve::http1_and_http2`], hyper-util's `auto` builder,
//!   the only piece of hyper-util used: its tokio-based parts, `TokioIo` and `graceful`,
//!   are behind features not enabled here).
//! - No tokio *runtime* is linked. hyper 1.x itself depends on the `tokio` crate with
//!   only its `sync` feature (hyper's internal channels: no scheduler, no I/O, no
//!   timers), so `cargo tree -p spindle-hyper -e normal` lists `tokio` once, under
//!   hyper. `http2` adds the `h2` crate, which names tokio's I/O traits (`io-util`) and
//!   tokio-util's codec; those are traits and buffers, and nothing of tokio runs.

mod executor;
mod io;
mod serve;
mod timer;
mod trusted_read;
mod zero_fill;

pub mod client;

pub use executor::SpindleExecutor;
pub use io::SpindleIo;
pub use serve::{Listener, Serve, ServeReport, serve};
pub use timer::SpindleTimer;
pub use trusted_read::TrustedReadUninit;
pub use zero_fill::ZeroFill;

/// The error type hyper's service and body bounds use.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
