//! One crawler, three ways to wait for the network.
//!
//! All three run the same breadth-first [`Frontier`] from one place and differ only in
//! who waits for each response:
//!
//! 1. [`crawl_sequential`]: this thread, one request at a time. The wall time is the sum
//!    of every latency: the CPU idles through each one.
//! 2. [`crawl_threads`]: one new OS thread per request in flight, at most `k` at once,
//!    each blocked in ureq until its answer; results come back over a `std::sync::mpsc`
//!    channel to this thread, which hands out the next URLs. Waits overlap, at the price
//!    of a thread (a stack, a kernel task, two context switches per wait) per request.
//! 3. [`crawl_async`]: one spindle task per request, at most `k` at once (each holds a
//!    permit of a `Semaphore`), on a runtime of `workers` threads. A task waiting on its
//!    socket or its timeout is a few hundred bytes in the scheduler, not a thread; the
//!    event loop wakes it when its bytes arrive.
//!
//! The frontier is driven by the thread (or the task) that hands out work, so it needs
//! no lock. Each report says how many requests were retried and how many OS threads did
//! the crawling.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use spindle::sync::{Semaphore, mpsc};
use spindle::trace::Trace;

use super::async_client::AsyncClient;
use super::blocking_client::BlockingClient;
use super::fetch_policy::{FetchPolicy, Outcome};
use super::frontier::{CrawlResult, Frontier};
use super::http_url::HttpUrl;
use super::resources::ThreadGauge;

/// What a crawl found and what it took.
#[derive(Clone, Debug)]
pub struct CrawlReport {
    /// Pages fetched and failed.
    pub result: CrawlResult,
    /// Retries, over all requests.
    pub retries: u64,
    /// Wall time.
    pub wall: Duration,
    /// Most OS threads crawling at once (the calling thread included).
    pub threads: usize,
    /// OS threads started for the crawl.
    pub threads_started: usize,
}

/// Crawls from `start` on this thread, one request at a time.
pub fn crawl_sequential(start: HttpUrl, max_pages: usize, policy: &FetchPolicy) -> CrawlReport {
    let started = Instant::now();
    let client = BlockingClient::new(policy.clone(), 1);
    let mut frontier = Frontier::new(start, max_pages);
    let mut retries = 0;
    while let Some(url) = frontier.pop() {
        let (outcome, links, tries) = client.fetch(&url);
        retries += u64::from(tries);
        frontier.absorb(url, outcome, links);
    }
    CrawlReport {
        result: frontier.into_result(),
        retries,
        wall: started.elapsed(),
        threads: 1,
        threads_started: 0,
    }
}

/// Crawls from `start` with one OS thread per request in flight, at most `k`.
pub fn crawl_threads(
    start: HttpUrl,
    max_pages: usize,
    policy: &FetchPolicy,
    k: usize,
) -> io::Result<CrawlReport> {
    let started = Instant::now();
    let client = BlockingClient::new(policy.clone(), k);
    let gauge = Arc::new(ThreadGauge::default());
    let (tx, rx) = std::sync::mpsc::channel::<(HttpUrl, Outcome, Vec<HttpUrl>, u32)>();
    let mut frontier = Frontier::new(start, max_pages);
    let (mut in_flight, mut retries) = (0usize, 0u64);
    loop {
        while in_flight < k.max(1) {
            let Some(url) = frontier.pop() else { break };
            let (client, tx, gauge) = (client.clone(), tx.clone(), gauge.clone());
            std::thread::Builder::new()
                .name("fetch".into())
                .spawn(move || {
                    gauge.enter();
                    let (outcome, links, tries) = client.fetch(&url);
                    gauge.leave();
                    let _ = tx.send((url, outcome, links, tries));
                })?;
            in_flight += 1;
        }
        if in_flight == 0 {
            break;
        }
        let (url, outcome, links, tries) = rx
            .recv()
            .map_err(|_| io::Error::other("a fetch thread died without answering"))?;
        in_flight -= 1;
        retries += u64::from(tries);
        frontier.absorb(url, outcome, links);
    }
    Ok(CrawlReport {
        result: frontier.into_result(),
        retries,
        wall: started.elapsed(),
        threads: 1 + gauge.peak(),
        threads_started: gauge.started(),
    })
}

/// Crawls from `start` as spindle tasks, at most `k` in flight, on `workers` threads;
/// with `trace`, also returns the runtime's trace.
pub fn crawl_async(
    start: HttpUrl,
    max_pages: usize,
    policy: &FetchPolicy,
    k: usize,
    workers: usize,
    trace: bool,
) -> io::Result<(CrawlReport, Option<Trace>)> {
    let started = Instant::now();
    let gauge = Arc::new(ThreadGauge::default());
    let (enter, leave) = (gauge.clone(), gauge.clone());
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .blocking_threads(1)
        .thread_name("crawl")
        .on_thread_start(move || enter.enter())
        .on_thread_stop(move || leave.leave())
        .trace(trace)
        .build()?;
    let client = Arc::new(AsyncClient::new(policy.clone(), k));
    let (result, retries) = rt.block_on(async move {
        let permits = Arc::new(Semaphore::new(k.max(1)));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut frontier = Frontier::new(start, max_pages);
        let (mut in_flight, mut retries) = (0usize, 0u64);
        loop {
            while let Some(url) = frontier.pop() {
                // Wait for a free slot before spawning: at most k tasks exist at once.
                let permit = permits
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(io::Error::other)?;
                let (client, tx) = (client.clone(), tx.clone());
                spindle::task::Builder::new()
                    .name("fetch")
                    .spawn(async move {
                        let (outcome, links, tries) = client.fetch(&url).await;
                        drop(permit);
                        let _ = tx.send((url, outcome, links, tries));
                    })?;
                in_flight += 1;
            }
            if in_flight == 0 {
                break;
            }
            let Some((url, outcome, links, tries)) = rx.recv().await else {
                return Err(io::Error::other("the fetch tasks stopped answering"));
            };
            in_flight -= 1;
            retries += u64::from(tries);
            frontier.absorb(url, outcome, links);
        }
        io::Result::Ok((frontier.into_result(), retries))
    })?;
    let handle = rt.handle().clone();
    drop(rt);
    let report = CrawlReport {
        result,
        retries,
        wall: started.elapsed(),
        // The block_on thread (this one) plus every runtime thread that ever ran.
        threads: 1 + gauge.peak(),
        threads_started: gauge.started(),
    };
    Ok((report, handle.trace_snapshot()))
}
