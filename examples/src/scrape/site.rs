//! The local web: a site of N linked HTML pages served by spindle-hyper, with seeded
//! latency and faults.
//!
//! Page 0 is `/`, page `i` is `/page/{i}.html`. Every page is real HTML (head, nav,
//! article, lists, footer) whose links are a mix of the kinds a crawler meets: relative
//! (`7.html`), root-relative (`/page/9.html#comments`), absolute on this host, links to
//! other hosts and `mailto:` (which a same-site crawler skips), and now and then a broken
//! link to a page that does not exist (404). Page `i` always links to `2i+1` and `2i+2`
//! (so every page is reachable from `/`) and to three more drawn from the seed.
//!
//! What each answer costs is drawn from the seed too ([`SiteSpec::fault`]), so every
//! crawl of the same site meets the same web:
//!
//! | fault | share (default) | the server | a crawler should |
//! |---|---|---|---|
//! | none | the rest | answers after a latency drawn from `latency` | parse it |
//! | slow | 2% | waits `slow_delay`, beyond the client's timeout | give up on it |
//! | 500 | 4% | answers 500 to the first one or two attempts, then 200 | retry with backoff |
//! | reset | 2% | drops the connection without an answer, first attempt only | retry |
//!
//! `/` is never faulty. The server counts attempts per page, so a fresh [`SiteServer`]
//! is started for each crawl. It runs on a runtime of its own, on its own threads, like a
//! remote site would.

use std::collections::{BTreeSet, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use spindle::net::TcpListener;
use spindle::sync::oneshot;
use spindle_hyper::ServeReport;

use crate::train::prng::{SplitMix64, derive_seed};

/// The site's shape and its faults.
#[derive(Clone, Debug)]
pub struct SiteSpec {
    /// Pages (at least 1).
    pub pages: usize,
    /// Seed of the link graph, the latencies and the faults.
    pub seed: u64,
    /// Each answer's delay is drawn uniformly from `latency.0..=latency.1`.
    pub latency: (Duration, Duration),
    /// Share of pages that answer only after `slow_delay`.
    pub slow_share: f64,
    /// How long a slow page takes (set it beyond the crawler's timeout).
    pub slow_delay: Duration,
    /// Share of pages that answer 500 to their first one or two attempts.
    pub error_share: f64,
    /// Share of pages that drop the connection on their first attempt.
    pub reset_share: f64,
}

impl SiteSpec {
    /// `pages` pages with the defaults: 20-80 ms latency, 2% slow (3 s), 4% 500s, 2% resets.
    pub fn new(pages: usize, seed: u64) -> SiteSpec {
        SiteSpec {
            pages: pages.max(1),
            seed,
            latency: (Duration::from_millis(20), Duration::from_millis(80)),
            slow_share: 0.02,
            slow_delay: Duration::from_secs(3),
            error_share: 0.04,
            reset_share: 0.02,
        }
    }

    /// The path of page `i`.
    pub fn path(i: usize) -> String {
        if i == 0 {
            "/".to_string()
        } else {
            format!("/page/{i}.html")
        }
    }

    /// What page `i` does.
    pub fn fault(&self, i: usize) -> Fault {
        if i == 0 {
            return Fault::None;
        }
        let mut rng = SplitMix64::new(derive_seed(self.seed, i as u64));
        let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let (slow, errors) = (self.slow_share, self.slow_share + self.error_share);
        if u < slow {
            Fault::Slow
        } else if u < errors {
            Fault::Errors(1 + rng.below(2) as u32)
        } else if u < errors + self.reset_share {
            Fault::Reset
        } else {
            Fault::None
        }
    }

    /// The pages page `i` links to (existing ones; broken links are added in the HTML).
    pub fn links(&self, i: usize) -> Vec<usize> {
        let mut rng = SplitMix64::new(derive_seed(self.seed ^ 0x11, i as u64));
        let mut out: Vec<usize> = [2 * i + 1, 2 * i + 2]
            .into_iter()
            .filter(|&c| c < self.pages)
            .collect();
        for _ in 0..3 {
            out.push(rng.below(self.pages));
        }
        out
    }

    /// The paths a correct crawl fetches (breadth-first from `/`, not following the
    /// links of slow pages), and the paths it fails on: slow pages and broken links.
    pub fn expected(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        let mut fetched = BTreeSet::new();
        let mut failed = BTreeSet::new();
        let mut seen = vec![false; self.pages];
        let mut queue = VecDeque::from([0]);
        seen[0] = true;
        while let Some(i) = queue.pop_front() {
            if self.fault(i) == Fault::Slow {
                failed.insert(SiteSpec::path(i));
                continue;
            }
            fetched.insert(SiteSpec::path(i));
            if let Some(broken) = self.broken_link(i) {
                failed.insert(broken);
            }
            for j in self.links(i) {
                if !seen[j] {
                    seen[j] = true;
                    queue.push_back(j);
                }
            }
        }
        (fetched, failed)
    }

    /// One page in ten has a link to a page that does not exist.
    fn broken_link(&self, i: usize) -> Option<String> {
        (i % 10 == 3).then(|| format!("/page/{}.html", self.pages + i))
    }

    /// Page `i`'s HTML, as served from `addr`.
    pub fn html(&self, i: usize, addr: SocketAddr) -> String {
        const WORDS: &[&str] = &[
            "spindle",
            "thread",
            "task",
            "core",
            "queue",
            "steal",
            "park",
            "wake",
            "poll",
            "future",
            "socket",
            "timer",
            "wheel",
            "latency",
            "budget",
            "scheduler",
            "lock",
        ];
        let mut rng = SplitMix64::new(derive_seed(self.seed ^ 0x22, i as u64));
        let mut words = |n: usize| -> String {
            (0..n)
                .map(|_| WORDS[rng.below(WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let title = format!("Page {i}: {}", words(3));
        let mut body = String::new();
        for _ in 0..4 {
            body.push_str(&format!("<p>{}.</p>\n", words(40)));
        }
        let mut related = String::new();
        for (k, j) in self.links(i).into_iter().enumerate() {
            // The same target written the ways real pages write links.
            let href = match (k + i) % 4 {
                0 => format!("http://{addr}{}", SiteSpec::path(j)),
                1 if j > 0 => format!("{j}.html"),
                2 => format!("{}#comments", SiteSpec::path(j)),
                _ => SiteSpec::path(j),
            };
            let href = if i == 0 && !href.starts_with(['/', 'h']) {
                format!("page/{href}") // page 0 is "/", so relative links name the folder
            } else {
                href
            };
            related.push_str(&format!("<li><a href=\"{href}\">{}</a></li>\n", words(2)));
        }
        if let Some(broken) = self.broken_link(i) {
            related.push_str(&format!("<li><a href='{broken}'>an old page</a></li>\n"));
        }
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{title}</title><link rel=\"stylesheet\" href=\"/style.css\"></head>\n\
             <body><nav><a href=\"/\">Home</a> | <a href=\"#top\">Top</a></nav>\n\
             <header><h1>{title}</h1></header>\n<article>\n{body}</article>\n\
             <aside><h2>Related</h2><ul>\n{related}</ul></aside>\n\
             <footer><a href=\"http://example.org/about\">elsewhere</a> \
             <a href=\"mailto:web@example.org\">mail</a></footer></body></html>\n"
        )
    }

    /// The delay of attempt `attempt` at page `i`.
    fn latency(&self, i: usize, attempt: u32) -> Duration {
        let (lo, hi) = self.latency;
        let mut rng = SplitMix64::new(derive_seed(
            self.seed ^ 0x33,
            ((i as u64) << 8) | u64::from(attempt),
        ));
        let span = hi.saturating_sub(lo).as_micros() as u64;
        lo + Duration::from_micros(if span == 0 {
            0
        } else {
            rng.next_u64() % (span + 1)
        })
    }
}

/// How a page misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// It answers after its latency.
    None,
    /// It answers too late for the client.
    Slow,
    /// It answers 500 to this many first attempts.
    Errors(u32),
    /// It drops the connection on its first attempt.
    Reset,
}

/// A running site: its address; [`SiteServer::stop`] ends it.
pub struct SiteServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<io::Result<ServeReport>>>,
}

impl SiteServer {
    /// Starts serving `spec` on 127.0.0.1 (a free port), on a 2-worker runtime.
    pub fn start(spec: SiteSpec) -> io::Result<SiteServer> {
        let rt = spindle::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("site")
            .trace(false)
            .build()?;
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let site = Arc::new(Site {
            attempts: (0..spec.pages).map(|_| AtomicU32::new(0)).collect(),
            spec,
            addr,
        });
        let thread = std::thread::Builder::new()
            .name("site-server".into())
            .spawn(move || {
                rt.block_on(
                    spindle_hyper::serve(
                        listener,
                        hyper::service::service_fn(move |req| site.clone().answer(req)),
                    )
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .grace_period(Duration::from_millis(100))
                    .run(),
                )
            })?;
        Ok(SiteServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The start URL, `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stops the server (slow answers still pending are cut off) and reports.
    pub fn stop(mut self) -> io::Result<ServeReport> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> io::Result<ServeReport> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| io::Error::other("the site server panicked"))?,
            None => Ok(ServeReport::default()),
        }
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

struct Site {
    spec: SiteSpec,
    addr: SocketAddr,
    attempts: Vec<AtomicU32>,
}

impl Site {
    async fn answer(
        self: Arc<Self>,
        req: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, io::Error> {
        let page = self.page_of(req.uri().path());
        let Some(i) = page else {
            return Ok(reply(
                StatusCode::NOT_FOUND,
                "<h1>404 not found</h1>".into(),
            ));
        };
        let attempt = self.attempts[i].fetch_add(1, Ordering::Relaxed);
        let fault = self.spec.fault(i);
        let delay = match fault {
            Fault::Slow => self.spec.slow_delay,
            _ => self.spec.latency(i, attempt),
        };
        spindle::time::sleep(delay).await;
        match fault {
            Fault::Errors(n) if attempt < n => Ok(reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<h1>500: the database is having a bad day</h1>".into(),
            )),
            // An error from the service makes hyper drop the connection unanswered.
            Fault::Reset if attempt == 0 => Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "injected connection reset",
            )),
            _ => Ok(reply(StatusCode::OK, self.spec.html(i, self.addr))),
        }
    }

    fn page_of(&self, path: &str) -> Option<usize> {
        let i = if path == "/" {
            0
        } else {
            path.strip_prefix("/page/")?
                .strip_suffix(".html")?
                .parse()
                .ok()?
        };
        (i < self.spec.pages).then_some(i)
    }
}

fn reply(status: StatusCode, html: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(html)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
