//! `serve`: an accept loop that runs a hyper connection per socket, with graceful
//! shutdown.
//!
//! ## States
//! 1. **Accepting.** Each accepted socket becomes one task in a [`JoinSet`] running
//!    hyper's connection (HTTP/1.1 with keep-alive, or HTTP/1+2 with the `http2`
//!    feature). Finished tasks are reaped on every turn of the loop, so the set holds
//!    only live connections.
//! 2. **Draining**, once the shutdown signal resolves: the listener is dropped at once
//!    (the kernel refuses new connections from then on), and a [`watch`] channel tells
//!    every connection task to call hyper's `graceful_shutdown`. hyper then finishes the
//!    request in flight, answers it with `connection: close` (HTTP/2: sends GOAWAY),
//!    and closes idle keep-alive connections at once.
//! 3. **Closing**, when the grace period runs out: the connections still open are
//!    aborted (their sockets dropped), and `serve` returns its [`ServeReport`].
//!
//! ## Why a watch channel
//! A connection accepted while the signal fires must still hear it. Each task gets a
//! clone of the receiver *before* it is spawned, and clones start at the version they
//! were cloned from, so a send that happens after the clone is always seen; no task
//! can miss the shutdown however the two interleave. If the `Serve` future itself is
//! dropped, the sender goes with it, `changed` fails, and the tasks shut down the same
//! way (and the `JoinSet`'s drop aborts them).
//!
//! Learned from hyper-util's `server::graceful` (which needs tokio) and axum's `serve`.

use std::future::{Future, IntoFuture, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use spindle::io::AsyncWrite;
use spindle::sync::watch;
use spindle::task::{JoinError, JoinSet};

use crate::{BoxError, SpindleIo, SpindleTimer, TrustedReadUninit};

/// A listening socket `serve` can accept from: spindle's `TcpListener` and `UnixListener`.
pub trait Listener: Send + 'static {
    /// The accepted stream.
    type Io: TrustedReadUninit + AsyncWrite + Unpin + Send + 'static;
    /// The peer's address.
    type Addr: Send + 'static;

    /// Accepts the next connection, registering `cx`'s waker if none is waiting.
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(Self::Io, Self::Addr)>>;
}

impl Listener for spindle::net::TcpListener {
    type Io = spindle::net::TcpStream;
    type Addr = std::net::SocketAddr;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(Self::Io, Self::Addr)>> {
        spindle::net::TcpListener::poll_accept(self, cx).map_ok(|(stream, addr)| {
            // HTTP answers are small writes waiting on no ACK: Nagle would hold a
            // response's tail back by a delayed-ACK interval (~40 ms).
            let _ = stream.set_nodelay(true);
            (stream, addr)
        })
    }
}

impl Listener for spindle::net::UnixListener {
    type Io = spindle::net::UnixStream;
    type Addr = std::os::unix::net::SocketAddr;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(Self::Io, Self::Addr)>> {
        spindle::net::UnixListener::poll_accept(self, cx)
    }
}

/// What a finished [`serve`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServeReport {
    /// Connections accepted.
    pub accepted: u64,
    /// Connections that ended with an error (a malformed request, a peer that reset);
    /// hyper has already answered what it could (e.g. 400 for a parse error).
    pub failed: u64,
    /// Connections still open when the grace period ran out, closed by force.
    pub aborted: u64,
}

/// How connections are served.
enum Protocol {
    Http1(hyper::server::conn::http1::Builder),
    #[cfg(feature = "http2")]
    Auto(hyper_util::server::conn::auto::Builder<crate::SpindleExecutor>),
}

/// Serves `service` on every connection `listener` accepts, until the shutdown signal
/// (see [`Serve::with_graceful_shutdown`]); `.await` it (or spawn it) to run.
///
/// Each connection gets a clone of `service`. HTTP/1.1 with keep-alive, a 30 s
/// header-read timeout (hyper's default) on [`SpindleTimer`], and upgrades allowed.
pub fn serve<L, S>(listener: L, service: S) -> Serve<L, S> {
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1.timer(SpindleTimer::new()).keep_alive(true);
    Serve {
        listener,
        service,
        signal: None,
        grace: Duration::from_secs(5),
        protocol: Protocol::Http1(http1),
    }
}

/// A server being configured; `.await` runs it. See [`serve`].
#[must_use = "a server does nothing until it is awaited or spawned"]
pub struct Serve<L, S> {
    listener: L,
    service: S,
    signal: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    grace: Duration,
    protocol: Protocol,
}

impl<L, S> Serve<L, S> {
    /// Stops accepting when `signal` resolves, then drains (module header). Without one
    /// the server runs until it is dropped.
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.signal = Some(Box::pin(signal));
        self
    }

    /// How long in-flight requests get to finish after the signal (default 5 s).
    pub fn grace_period(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// hyper's HTTP/1 settings (keep-alive, header timeout, ...), to adjust. HTTP/1-only
    /// servers (the default) use them; after [`http1_and_http2`](Self::http1_and_http2)
    /// adjust that builder's `http1()` instead, through [`auto_builder`](Self::auto_builder).
    pub fn http1_builder(&mut self) -> Option<&mut hyper::server::conn::http1::Builder> {
        match &mut self.protocol {
            Protocol::Http1(b) => Some(b),
            #[cfg(feature = "http2")]
            Protocol::Auto(_) => None,
        }
    }

    /// Serves HTTP/1.1 and HTTP/2 (prior knowledge: a client that opens with the HTTP/2
    /// preface gets HTTP/2), with hyper-util's `auto` builder, spindle's executor and
    /// timer.
    ///
    /// # Panics
    /// Outside a spindle runtime (the executor needs one).
    #[cfg(feature = "http2")]
    #[track_caller]
    pub fn http1_and_http2(mut self) -> Self {
        let mut auto = hyper_util::server::conn::auto::Builder::new(crate::SpindleExecutor::new());
        auto.http1().timer(SpindleTimer::new()).keep_alive(true);
        auto.http2().timer(SpindleTimer::new());
        self.protocol = Protocol::Auto(auto);
        self
    }

    /// The HTTP/1+2 builder, after [`http1_and_http2`](Self::http1_and_http2).
    #[cfg(feature = "http2")]
    pub fn auto_builder(
        &mut self,
    ) -> Option<&mut hyper_util::server::conn::auto::Builder<crate::SpindleExecutor>> {
        match &mut self.protocol {
            Protocol::Auto(b) => Some(b),
            Protocol::Http1(_) => None,
        }
    }
}

impl<L, S, B> Serve<L, S>
where
    L: Listener,
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    /// Runs the server: accepts until the signal, drains for the grace period, returns
    /// what it did. Accept errors do not end it (module header of `accept_backoff`).
    pub async fn run(self) -> io::Result<ServeReport> {
        let Serve {
            mut listener,
            service,
            signal,
            grace,
            protocol,
        } = self;
        let mut signal = signal.unwrap_or_else(|| Box::pin(std::future::pending()));
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let mut connections: JoinSet<Result<(), BoxError>> = JoinSet::new();
        let mut report = ServeReport::default();
        let mut backoff: Option<spindle::time::Sleep> = None;

        loop {
            let event = poll_fn(|cx| {
                if signal.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                while let Poll::Ready(Some(done)) = connections.poll_join_next(cx) {
                    count(&mut report, done);
                }
                if let Some(sleep) = backoff.as_mut() {
                    if Pin::new(sleep).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    backoff = None;
                }
                listener.poll_accept(cx).map(Some)
            })
            .await;
            match event {
                None => break,
                Some(Ok((io, _peer))) => {
                    report.accepted += 1;
                    let shutdown = shutdown_rx.clone();
                    let service = service.clone();
                    match &protocol {
                        Protocol::Http1(http1) => {
                            let conn = http1
                                .serve_connection(SpindleIo::new(io), service)
                                .with_upgrades();
                            connections.spawn(drive(conn, shutdown));
                        }
                        #[cfg(feature = "http2")]
                        Protocol::Auto(auto) => {
                            let conn = auto
                                .serve_connection_with_upgrades(SpindleIo::new(io), service)
                                .into_owned();
                            connections.spawn(drive(conn, shutdown));
                        }
                    }
                }
                Some(Err(e)) => backoff = accept_backoff(&e),
            }
        }

        // Draining: refuse new connections, ask every open one to finish.
        drop(listener);
        let _ = shutdown_tx.send(true);
        let drained = spindle::time::timeout(grace, async {
            while let Some(done) = connections.join_next().await {
                count(&mut report, done);
            }
        })
        .await;
        if drained.is_err() {
            report.aborted = connections.len() as u64;
            connections.shutdown().await;
        }
        Ok(report)
    }
}

impl<L, S, B> IntoFuture for Serve<L, S>
where
    L: Listener,
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Output = io::Result<ServeReport>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<ServeReport>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

fn count(report: &mut ServeReport, done: Result<Result<(), BoxError>, JoinError>) {
    if !matches!(done, Ok(Ok(()))) {
        report.failed += 1;
    }
}

/// What to do after a failed `accept`. A connection the peer reset while it waited in
/// the backlog is that connection's problem: accept the next at once. Anything else
/// (out of file descriptors, out of memory) would fail again straight away and spin
/// the loop, so wait 50 ms first, as hyper's own examples and axum do (axum waits 1 s).
fn accept_backoff(e: &io::Error) -> Option<spindle::time::Sleep> {
    use io::ErrorKind::*;
    match e.kind() {
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock => None,
        _ => Some(spindle::time::sleep(Duration::from_millis(50))),
    }
}

/// A hyper connection that can be asked to finish its current request and close.
trait GracefulConnection: Future<Output = Result<(), Self::Error>> {
    type Error: Into<BoxError>;
    fn graceful_shutdown(self: Pin<&mut Self>);
}

impl<I, S, B> GracefulConnection for hyper::server::conn::http1::UpgradeableConnection<I, S>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Error: Into<BoxError>,
    B: Body + 'static,
    B::Error: Into<BoxError>,
{
    type Error = hyper::Error;
    fn graceful_shutdown(self: Pin<&mut Self>) {
        hyper::server::conn::http1::UpgradeableConnection::graceful_shutdown(self)
    }
}

#[cfg(feature = "http2")]
impl<I, S, B> GracefulConnection
    for hyper_util::server::conn::auto::UpgradeableConnection<'static, I, S, crate::SpindleExecutor>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: Service<Request<Incoming>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Error = BoxError;
    fn graceful_shutdown(self: Pin<&mut Self>) {
        hyper_util::server::conn::auto::UpgradeableConnection::graceful_shutdown(self)
    }
}

/// Runs one connection to its end, turning the first shutdown notice into hyper's
/// `graceful_shutdown` (module header: why no notice is missed).
async fn drive<C: GracefulConnection>(
    conn: C,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), BoxError> {
    let mut conn = pin!(conn);
    let mut notice = pin!(async move {
        // The guard from `borrow_and_update` is dropped before each await (it is not
        // `Send`). `changed` failing means the server is gone: shut down as well.
        loop {
            if *shutdown.borrow_and_update() || shutdown.changed().await.is_err() {
                break;
            }
        }
    });
    let mut asked = false;
    poll_fn(|cx| {
        if !asked && notice.as_mut().poll(cx).is_ready() {
            asked = true;
            conn.as_mut().graceful_shutdown();
        }
        conn.as_mut().poll(cx)
    })
    .await
    .map_err(Into::into)
}
