//! The three crawls side by side, on the local site or on a given one.
//!
//! [`compare_strategies`] runs sequential, threads and async in turn. On the local site
//! each crawl gets a fresh [`SiteServer`] (the server counts attempts per page, so a
//! fresh one behaves the same for everyone) and the peak-RSS mark is reset before it.
//! Its `Display` is the one table the example and the tour print; `same_pages` says
//! whether the three found the same set of pages, which they must on the local site.

use std::fmt;
use std::io;
use std::time::Duration;

use spindle::trace::Trace;

use super::fetch_policy::FetchPolicy;
use super::http_url::HttpUrl;
use super::resources::{peak_rss, reset_peak_rss};
use super::site::{SiteServer, SiteSpec};
use super::strategies::{CrawlReport, crawl_async, crawl_sequential, crawl_threads};

/// Where to crawl.
#[derive(Clone, Debug)]
pub enum Target {
    /// A local site started for each crawl.
    Local(SiteSpec),
    /// A given `http://` site (same-host links only).
    Remote(HttpUrl),
}

/// Settings of a comparison.
#[derive(Clone, Debug)]
pub struct ScrapeConfig {
    /// The site.
    pub target: Target,
    /// At most this many URLs per crawl.
    pub max_pages: usize,
    /// Requests in flight at once (threads and async).
    pub concurrency: usize,
    /// Worker threads of the async crawl's runtime.
    pub workers: usize,
    /// Timeouts, retries, backoff, User-Agent.
    pub policy: FetchPolicy,
}

/// One strategy's row.
#[derive(Clone, Debug)]
pub struct Row {
    /// Its name.
    pub strategy: &'static str,
    /// Its report.
    pub report: CrawlReport,
    /// Peak resident memory of the process during the crawl.
    pub peak_rss: Option<u64>,
}

/// The three rows.
#[derive(Debug)]
pub struct Comparison {
    /// Sequential, threads, async.
    pub rows: Vec<Row>,
    /// True when the three fetched the same pages and failed on the same ones.
    pub same_pages: bool,
    /// The async crawl's trace.
    pub trace: Option<Trace>,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// Runs the three crawls; see the module doc.
pub fn compare_strategies(config: &ScrapeConfig, trace: bool) -> io::Result<Comparison> {
    let k = config.concurrency;
    let mut rows = Vec::with_capacity(3);
    let mut kept_trace = None;
    for strategy in ["sequential", "threads", "async"] {
        let server = match &config.target {
            Target::Local(spec) => Some(SiteServer::start(spec.clone())?),
            Target::Remote(_) => None,
        };
        let start = match (&server, &config.target) {
            (Some(server), _) => HttpUrl::parse(&server.url()).map_err(io::Error::other)?,
            (None, Target::Remote(url)) => url.clone(),
            (None, Target::Local(_)) => unreachable!("a local target has a server"),
        };
        let measured = reset_peak_rss();
        let report = match strategy {
            "sequential" => crawl_sequential(start, config.max_pages, &config.policy),
            "threads" => crawl_threads(start, config.max_pages, &config.policy, k)?,
            _ => {
                let (report, t) = crawl_async(
                    start,
                    config.max_pages,
                    &config.policy,
                    k,
                    config.workers,
                    trace,
                )?;
                kept_trace = t;
                report
            }
        };
        let peak = if measured { peak_rss() } else { None };
        if let Some(server) = server {
            server.stop()?;
        }
        rows.push(Row {
            strategy,
            report,
            peak_rss: peak,
        });
    }
    let key = |r: &Row| {
        (
            r.report.result.fetched_paths(),
            r.report.result.failed_paths(),
        )
    };
    let same_pages = rows.windows(2).all(|w| key(&w[0]) == key(&w[1]));
    Ok(Comparison {
        rows,
        same_pages,
        trace: kept_trace,
        concurrency: k,
    })
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "strategy     in flight  pages  failed  retries  wall ms  pages/s  speedup  OS threads  peak RSS"
        )?;
        let base = self.rows[0].report.wall.as_secs_f64();
        for row in &self.rows {
            let r = &row.report;
            let secs = r.wall.as_secs_f64().max(1e-9);
            let threads = if r.threads_started > 0 && row.strategy == "threads" {
                format!("{} ({} made)", r.threads, r.threads_started)
            } else {
                r.threads.to_string()
            };
            writeln!(
                f,
                "{:<11}  {:>9}  {:>5}  {:>6}  {:>7}  {:>7.0}  {:>7.1}  {:>6.2}x  {:>10}  {:>8}",
                row.strategy,
                if row.strategy == "sequential" {
                    1
                } else {
                    self.concurrency
                },
                r.result.fetched.len(),
                r.result.failed.len(),
                r.retries,
                secs * 1e3,
                r.result.fetched.len() as f64 / secs,
                base / secs,
                threads,
                row.peak_rss.map_or_else(
                    || "n/a".to_string(),
                    |b| format!("{:.1} MB", b as f64 / 1e6)
                ),
            )?;
        }
        write!(
            f,
            "all three found the same pages: {}",
            if self.same_pages { "yes" } else { "NO" }
        )
    }
}

/// The local site's defaults for a quick run: `pages` pages at `latency` each.
pub fn local_config(
    pages: usize,
    latency: (Duration, Duration),
    concurrency: usize,
) -> ScrapeConfig {
    ScrapeConfig {
        target: Target::Local(SiteSpec {
            latency,
            ..SiteSpec::new(pages, 42)
        }),
        max_pages: pages * 2 + 10,
        concurrency,
        workers: 2,
        policy: FetchPolicy::new(),
    }
}
