//! The scraping job at small size: a local site of 60 pages answering in 5 ms.
//!
//! * the sequential, thread-per-request and async crawls find the same pages, and
//!   exactly the pages the site says are reachable (slow pages and broken links fail);
//! * retries with backoff recover every page that answered 500 or dropped its
//!   connection, and without retries those pages fail.

use std::time::Duration;

use spindle_examples::scrape::site::Fault;
use spindle_examples::scrape::strategies::crawl_async;
use spindle_examples::scrape::{
    FetchPolicy, HttpUrl, ScrapeConfig, SiteServer, SiteSpec, Target, compare_strategies,
};

/// The site: the first seed whose 60 pages have a reachable page of every fault kind.
fn spec() -> SiteSpec {
    (0..1000)
        .map(site_with_seed)
        .find(|spec| {
            let (_, failed) = spec.expected();
            !reachable_with(spec, |f| matches!(f, Fault::Errors(_))).is_empty()
                && !reachable_with(spec, |f| f == Fault::Reset).is_empty()
                && failed
                    .iter()
                    .any(|p| page_index(p).is_some_and(|i| spec.fault(i) == Fault::Slow))
        })
        .expect("some seed below 1000 has every fault")
}

fn site_with_seed(seed: u64) -> SiteSpec {
    SiteSpec {
        latency: (Duration::from_millis(5), Duration::from_millis(5)),
        slow_delay: Duration::from_millis(900),
        // More faults than the default, so that 60 pages surely have each kind.
        slow_share: 0.04,
        error_share: 0.10,
        reset_share: 0.06,
        ..SiteSpec::new(60, seed)
    }
}

fn policy() -> FetchPolicy {
    FetchPolicy {
        timeout: Duration::from_millis(300),
        backoff: Duration::from_millis(2),
        ..FetchPolicy::new()
    }
}

/// The pages of `spec` reachable by a correct crawl that have fault `which`.
fn reachable_with(spec: &SiteSpec, which: fn(Fault) -> bool) -> Vec<String> {
    let (fetched, _) = spec.expected();
    (0..spec.pages)
        .filter(|&i| which(spec.fault(i)) && fetched.contains(&SiteSpec::path(i)))
        .map(SiteSpec::path)
        .collect()
}

#[test]
fn three_crawls_find_the_same_pages_the_site_has() {
    let spec = spec();
    let (expected_ok, expected_failed) = spec.expected();

    let config = ScrapeConfig {
        target: Target::Local(spec.clone()),
        max_pages: 1000,
        concurrency: 8,
        workers: 2,
        policy: policy(),
    };
    let comparison = compare_strategies(&config, true).unwrap();
    assert!(comparison.same_pages, "{comparison}");
    for row in &comparison.rows {
        let result = &row.report.result;
        assert_eq!(result.fetched_paths(), expected_ok, "{}", row.strategy);
        assert_eq!(result.failed_paths(), expected_failed, "{}", row.strategy);
        assert!(
            row.report.retries > 0,
            "{}: the 500s and resets were retried",
            row.strategy
        );
    }
    // The async crawl used its runtime's threads, not one per request.
    let threads = &comparison.rows[1].report;
    let tasks = &comparison.rows[2].report;
    assert!(
        threads.threads_started >= expected_ok.len(),
        "a thread per request"
    );
    assert!(
        tasks.threads <= 1 + 2 + 1,
        "block_on thread + 2 workers + 1 blocking thread"
    );
    let svg = {
        let mut out = Vec::new();
        comparison.trace.unwrap().write_svg(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(svg.contains("fetch"), "the timeline names the fetch tasks");
}

#[test]
fn without_retries_the_flaky_pages_fail() {
    let spec = spec();
    let flaky = reachable_with(&spec, |f| matches!(f, Fault::Errors(_)));
    let server = SiteServer::start(spec).unwrap();
    let start = HttpUrl::parse(&server.url()).unwrap();
    let no_retries = FetchPolicy {
        retries: 0,
        ..policy()
    };
    let (report, _) = crawl_async(start, 1000, &no_retries, 8, 2, false).unwrap();
    server.stop().unwrap();
    let failed = report.result.failed_paths();
    for page in &flaky {
        assert!(
            failed.contains(page),
            "{page} answered 500 and was not retried"
        );
    }
    assert_eq!(report.retries, 0);
}

fn page_index(path: &str) -> Option<usize> {
    path.strip_prefix("/page/")?
        .strip_suffix(".html")?
        .parse()
        .ok()
}
