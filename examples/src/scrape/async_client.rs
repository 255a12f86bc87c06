//! The async HTTP client of the task crawl: hyper's HTTP/1.1 client on spindle, through
//! spindle-hyper, with a small pool of keep-alive connections.
//!
//! HTTP/1.1 carries one request at a time per connection, so K requests in flight need
//! K connections. [`AsyncClient`] keeps the idle ones in a stack: a request takes one
//! (or connects a new one with `spindle_hyper::client::connect`, which spawns the
//! connection's task), sends, reads the whole body, and puts the connection back. A
//! connection that failed or timed out is dropped, never reused. The same job as ureq's
//! agent in the blocking crawls, so the strategies compare scheduling, not connection
//! reuse.
//!
//! The timeout wraps the whole attempt in `spindle::time::timeout`: when it fires, the
//! attempt's future is dropped, which drops its connection, and the task goes on — no
//! thread was blocked meanwhile, only a timer registered.

use std::sync::Mutex;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HOST, USER_AGENT};

use super::fetch_policy::{Attempt, FetchPolicy, Outcome, Step, next_step};
use super::http_url::HttpUrl;
use super::links::same_site_links;

type Connection = SendRequest<Empty<Bytes>>;

/// hyper on spindle, with up to `idle` keep-alive connections kept.
pub struct AsyncClient {
    policy: FetchPolicy,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
}

impl AsyncClient {
    /// A client keeping up to `max_idle` idle connections (one host per crawl).
    pub fn new(policy: FetchPolicy, max_idle: usize) -> AsyncClient {
        AsyncClient {
            policy,
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1),
        }
    }

    /// Fetches `url` with retries; on success also returns the page's same-site links.
    pub async fn fetch(&self, url: &HttpUrl) -> (Outcome, Vec<HttpUrl>, u32) {
        let mut attempt = 1;
        loop {
            let got = match spindle::time::timeout(self.policy.timeout, self.attempt(url)).await {
                Ok(got) => got,
                Err(_) => Attempt::TimedOut,
            };
            match next_step(&self.policy, attempt, got) {
                Step::Done(Outcome::Page(html)) => {
                    let links = same_site_links(&html, url);
                    return (Outcome::Page(html), links, attempt - 1);
                }
                Step::Done(failed) => return (failed, Vec::new(), attempt - 1),
                Step::RetryAfter(wait) => spindle::time::sleep(wait).await,
            }
            attempt += 1;
        }
    }

    async fn attempt(&self, url: &HttpUrl) -> Attempt {
        let mut connection = match self.connection(url).await {
            Ok(c) => c,
            Err(e) => return Attempt::ConnectionLost(format!("connect: {e}")),
        };
        let request = hyper::Request::get(url.path.as_str())
            .header(HOST, url.authority())
            .header(USER_AGENT, self.policy.user_agent.as_str())
            .body(Empty::new());
        let request = match request {
            Ok(r) => r,
            Err(e) => return Attempt::ConnectionLost(format!("bad request: {e}")),
        };
        let response = match connection.send_request(request).await {
            Ok(r) => r,
            Err(e) => return Attempt::ConnectionLost(e.to_string()),
        };
        let status = response.status().as_u16();
        let body = match response.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => return Attempt::ConnectionLost(e.to_string()),
        };
        self.put_back(connection);
        if status == 200 {
            Attempt::Page(String::from_utf8_lossy(&body).into_owned())
        } else {
            Attempt::Status(status)
        }
    }

    /// An idle connection that is still open, or a new one.
    async fn connection(&self, url: &HttpUrl) -> std::io::Result<Connection> {
        loop {
            let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match idle {
                Some(mut c) if !c.is_closed() => {
                    if c.ready().await.is_ok() {
                        return Ok(c);
                    }
                }
                Some(_) => {}
                None => return spindle_hyper::client::connect(url.authority()).await,
            }
        }
    }

    fn put_back(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle && !connection.is_closed() {
            idle.push(connection);
        }
    }
}
