//! The routes of `examples/http.rs`, a library module so that tests drive them in process.
//!
//! | route | method | answer |
//! |---|---|---|
//! | `/` | any | a short text |
//! | `/echo` | POST | the request body, same `content-type` (at most [`ECHO_LIMIT`] bytes, else 413) |
//! | `/stats` | GET | the runtime's per-worker counters ([`spindle::runtime::RuntimeStats`] as a table) |
//! | `/timeline.svg` | GET | the last second of the server's own schedule, drawn by spindle's tracer |
//! | `/dump` | GET | the live tasks and what each waits on ([`spindle::runtime::TaskDump`] as a table) |
//!
//! Anything else is 404; a wrong method on `/echo` is 405. Malformed HTTP never reaches
//! here: hyper answers it with 400 and closes that connection.
//!
//! The timeline is drawn on the blocking pool (`spawn_blocking`): copying the trace and
//! writing the SVG is CPU work of some milliseconds under load, which would otherwise
//! stall the worker and every connection queued behind it.

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

/// The biggest body `/echo` accepts.
pub const ECHO_LIMIT: usize = 16 << 20;

/// How much of the schedule `/timeline.svg` draws.
pub const TIMELINE_WINDOW: Duration = Duration::from_secs(1);

/// The text `/` answers.
pub const HELLO: &str = "hello from spindle-hyper\n";

/// The answer type of every route.
pub type Reply = Response<Full<Bytes>>;

/// Routes one request (module header). Never fails: errors are answers.
pub async fn route(req: Request<Incoming>) -> Result<Reply, Infallible> {
    let reply = match (req.method(), req.uri().path()) {
        (_, "/") => text(StatusCode::OK, HELLO),
        (&Method::POST, "/echo") => echo(req).await,
        (_, "/echo") => {
            let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "POST a body to /echo\n");
            r.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            r
        }
        (&Method::GET, "/stats") => {
            let stats = spindle::runtime::Handle::current().stats();
            text(StatusCode::OK, stats.to_string())
        }
        (&Method::GET, "/timeline.svg") => timeline().await,
        // The dump is taken from inside a task (this one: it shows as running); from any
        // thread works as well, e.g. a monitoring thread holding a Handle.
        (&Method::GET, "/dump") => {
            let dump = spindle::runtime::Handle::current().dump();
            text(StatusCode::OK, dump.to_string())
        }
        _ => text(
            StatusCode::NOT_FOUND,
            "routes: / /echo /stats /timeline.svg /dump\n",
        ),
    };
    Ok(reply)
}

async fn echo(req: Request<Incoming>) -> Reply {
    let content_type = req.headers().get(CONTENT_TYPE).cloned();
    match Limited::new(req.into_body(), ECHO_LIMIT).collect().await {
        Ok(body) => {
            let mut r = Response::new(Full::new(body.to_bytes()));
            if let Some(ct) = content_type {
                r.headers_mut().insert(CONTENT_TYPE, ct);
            }
            r
        }
        Err(e) if e.is::<http_body_util::LengthLimitError>() => text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("/echo takes at most {ECHO_LIMIT} bytes\n"),
        ),
        Err(e) => text(
            StatusCode::BAD_REQUEST,
            format!("reading the body failed: {e}\n"),
        ),
    }
}

/// The SVG of the last [`TIMELINE_WINDOW`] of this runtime's trace, or 503 if the
/// runtime is not traced.
async fn timeline() -> Reply {
    let handle = spindle::runtime::Handle::current();
    let drawn = spindle::task::spawn_blocking(move || {
        let trace = handle.trace_snapshot()?;
        let window_ns = TIMELINE_WINDOW.as_nanos() as u64;
        let last = trace.since(trace.end_ns().saturating_sub(window_ns));
        let mut svg = Vec::new();
        last.write_svg(&mut svg).ok()?;
        Some(svg)
    })
    .await;
    match drawn {
        Ok(Some(svg)) => {
            let mut r = Response::new(Full::new(Bytes::from(svg)));
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
            r
        }
        Ok(None) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "this runtime is not traced: build it with Builder::trace(true)\n",
        ),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("drawing failed: {e}\n"),
        ),
    }
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Reply {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests;
