//! The crawl's bookkeeping: which URLs are waiting, which were seen, what came of each.
//!
//! Breadth-first: URLs wait in a FIFO queue, so pages one link from `/` are asked for
//! before pages two links away. A URL enters the queue once, the first time any page
//! links to it ([`Frontier::absorb`] checks the `seen` set), and only while fewer than
//! `max_pages` URLs have been admitted. Every strategy (one thread, many threads, many
//! tasks) drives the same `Frontier` from one place — the thread or task that hands out
//! work — so it needs no lock: the workers only fetch and parse, and send back
//! `(url, outcome, links)`.
//!
//! With concurrency the pages finish in a different order than sequentially, so the
//! queue's order differs between strategies; the *set* of pages found does not, as long
//! as every page's outcome is a property of the page (it is on the local site) and the
//! crawl is not cut short by `max_pages`.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use super::fetch_policy::Outcome;
use super::http_url::HttpUrl;

/// What a crawl found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrawlResult {
    /// URLs fetched successfully.
    pub fetched: BTreeSet<String>,
    /// URLs that failed, and why.
    pub failed: BTreeMap<String, String>,
}

impl CrawlResult {
    /// The paths of the fetched URLs (for comparing with the site's own list).
    pub fn fetched_paths(&self) -> BTreeSet<String> {
        self.fetched.iter().map(|u| path_of(u)).collect()
    }

    /// The paths of the failed URLs.
    pub fn failed_paths(&self) -> BTreeSet<String> {
        self.failed.keys().map(|u| path_of(u)).collect()
    }
}

fn path_of(url: &str) -> String {
    HttpUrl::parse(url).map_or_else(|_| url.to_string(), |u| u.path)
}

/// The queue, the seen set and the results.
#[derive(Debug)]
pub struct Frontier {
    queue: VecDeque<HttpUrl>,
    seen: HashSet<HttpUrl>,
    max_pages: usize,
    result: CrawlResult,
}

impl Frontier {
    /// A crawl starting at `start`, admitting at most `max_pages` URLs.
    pub fn new(start: HttpUrl, max_pages: usize) -> Frontier {
        let mut frontier = Frontier {
            queue: VecDeque::new(),
            seen: HashSet::new(),
            max_pages: max_pages.max(1),
            result: CrawlResult::default(),
        };
        frontier.admit(start);
        frontier
    }

    fn admit(&mut self, url: HttpUrl) {
        if self.seen.len() < self.max_pages && self.seen.insert(url.clone()) {
            self.queue.push_back(url);
        }
    }

    /// The next URL to fetch, oldest first.
    pub fn pop(&mut self) -> Option<HttpUrl> {
        self.queue.pop_front()
    }

    /// Records a finished fetch and queues the new links it found.
    pub fn absorb(&mut self, url: HttpUrl, outcome: Outcome, links: Vec<HttpUrl>) {
        match outcome {
            Outcome::Page(_) => {
                self.result.fetched.insert(url.to_string());
            }
            Outcome::Failed(why) => {
                self.result.failed.insert(url.to_string(), why);
            }
        }
        for link in links {
            self.admit(link);
        }
    }

    /// The results so far.
    pub fn into_result(self) -> CrawlResult {
        self.result
    }
}
