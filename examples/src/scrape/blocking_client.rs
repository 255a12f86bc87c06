//! The blocking HTTP client of the sequential and thread-per-request crawls: `ureq`.
//!
//! One `ureq::Agent` is shared by every thread of a crawl (it is an `Arc` inside): it
//! keeps idle keep-alive connections per host and hands one to whichever thread asks,
//! like a browser does. Each attempt is given the policy's timeout for the whole
//! exchange (connect, request, full body); statuses are returned, not turned into
//! errors, so that [`next_step`] can decide what a 500 or a 404 means. The calling
//! thread is *blocked* for the whole exchange: that is what the thread strategy pays one
//! OS thread per request in flight for.

use super::fetch_policy::{Attempt, FetchPolicy, Outcome, Step, next_step};
use super::http_url::HttpUrl;
use super::links::same_site_links;

/// A ureq agent configured by a [`FetchPolicy`].
#[derive(Clone, Debug)]
pub struct BlockingClient {
    agent: ureq::Agent,
    policy: FetchPolicy,
}

impl BlockingClient {
    /// A client keeping up to `idle_per_host` idle connections to a host.
    pub fn new(policy: FetchPolicy, idle_per_host: usize) -> BlockingClient {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(policy.timeout))
            .http_status_as_error(false)
            .user_agent(policy.user_agent.as_str())
            .max_idle_connections_per_host(idle_per_host.max(1))
            .max_idle_connections(idle_per_host.max(1))
            .build();
        BlockingClient {
            agent: config.into(),
            policy,
        }
    }

    /// Fetches `url` with retries; on success also returns the page's same-site links.
    pub fn fetch(&self, url: &HttpUrl) -> (Outcome, Vec<HttpUrl>, u32) {
        let mut attempt = 1;
        loop {
            match next_step(&self.policy, attempt, self.attempt(url)) {
                Step::Done(Outcome::Page(html)) => {
                    let links = same_site_links(&html, url);
                    return (Outcome::Page(html), links, attempt - 1);
                }
                Step::Done(failed) => return (failed, Vec::new(), attempt - 1),
                Step::RetryAfter(wait) => std::thread::sleep(wait),
            }
            attempt += 1;
        }
    }

    fn attempt(&self, url: &HttpUrl) -> Attempt {
        match self.agent.get(&url.to_string()).call() {
            Ok(mut response) => {
                let status = response.status().as_u16();
                match response.body_mut().read_to_string() {
                    Ok(body) if status == 200 => Attempt::Page(body),
                    Ok(_) => Attempt::Status(status),
                    Err(ureq::Error::Timeout(_)) => Attempt::TimedOut,
                    Err(e) => Attempt::ConnectionLost(e.to_string()),
                }
            }
            Err(ureq::Error::Timeout(_)) => Attempt::TimedOut,
            Err(e) => Attempt::ConnectionLost(e.to_string()),
        }
    }
}
