//! One request's fate: a timeout per attempt, retries with exponential backoff, and the
//! decision of which failures deserve a retry.
//!
//! Every client (blocking or async) reports each attempt as an [`Attempt`]; [`next_step`]
//! decides, the same way for all of them:
//!
//! * `200` with a body: done, a page;
//! * `5xx`, or a connection that broke before an answer (reset, closed, refused): the
//!   server may do better in a moment, so wait `backoff * 2^(n-1)` after the `n`-th
//!   failed attempt and retry, up to `retries` times;
//! * a timeout: give up at once. A page that did not answer within the timeout is
//!   probably stuck or overloaded, and asking it again adds to its load (and costs the
//!   crawl another full timeout);
//! * any other status (404, 403, ...): give up, retrying will not change it.
//!
//! No random jitter on the backoff: the crawls must be reproducible. A crawler shared by
//! many clients would add jitter so that their retries do not arrive in lockstep.

use std::time::Duration;

/// Timeout, retries and backoff.
#[derive(Clone, Debug)]
pub struct FetchPolicy {
    /// Longest wait for one attempt (connect, request and the whole body).
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// Sent as `User-Agent`: says what is asking.
    pub user_agent: String,
}

impl FetchPolicy {
    /// 1 s timeout, 3 retries, 20 ms first backoff.
    pub fn new() -> FetchPolicy {
        FetchPolicy {
            timeout: Duration::from_secs(1),
            retries: 3,
            backoff: Duration::from_millis(20),
            user_agent: concat!(
                "spindle-scrape/",
                env!("CARGO_PKG_VERSION"),
                " (example crawler of the spindle runtime; breadth-first, same host only)"
            )
            .to_string(),
        }
    }
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy::new()
    }
}

/// What one attempt got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// `200 OK` and its body.
    Page(String),
    /// Another status.
    Status(u16),
    /// The connection failed or broke before a full answer.
    ConnectionLost(String),
    /// No full answer within the timeout.
    TimedOut,
}

/// A request's final outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The page's HTML.
    Page(String),
    /// Why it failed in the end.
    Failed(String),
}

/// What to do after an attempt.
#[derive(Debug)]
pub enum Step {
    /// The request is over.
    Done(Outcome),
    /// Wait this long, then try again.
    RetryAfter(Duration),
}

/// The decision after attempt number `attempt` (1-based); see the module doc.
pub fn next_step(policy: &FetchPolicy, attempt: u32, got: Attempt) -> Step {
    let retryable = match &got {
        Attempt::Page(_) => false,
        Attempt::Status(s) => *s >= 500,
        Attempt::ConnectionLost(_) => true,
        Attempt::TimedOut => false,
    };
    if retryable && attempt <= policy.retries {
        let factor = 1u32 << (attempt - 1).min(16);
        return Step::RetryAfter(policy.backoff * factor);
    }
    Step::Done(match got {
        Attempt::Page(body) => Outcome::Page(body),
        Attempt::Status(s) => Outcome::Failed(format!("HTTP {s} after {attempt} attempt(s)")),
        Attempt::ConnectionLost(e) => Outcome::Failed(format!("{e} after {attempt} attempt(s)")),
        Attempt::TimedOut => Outcome::Failed(format!("timed out after {:?}", policy.timeout)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_5xx_and_broken_connections_with_doubling_backoff() {
        let policy = FetchPolicy::new();
        let backoff = |attempt, got| match next_step(&policy, attempt, got) {
            Step::RetryAfter(d) => Some(d),
            Step::Done(_) => None,
        };
        assert_eq!(
            backoff(1, Attempt::Status(500)),
            Some(Duration::from_millis(20))
        );
        assert_eq!(
            backoff(2, Attempt::Status(503)),
            Some(Duration::from_millis(40))
        );
        assert_eq!(
            backoff(3, Attempt::ConnectionLost("reset".into())),
            Some(Duration::from_millis(80))
        );
        assert_eq!(
            backoff(4, Attempt::Status(500)),
            None,
            "3 retries, then give up"
        );
        assert_eq!(backoff(1, Attempt::Status(404)), None);
        assert_eq!(backoff(1, Attempt::TimedOut), None);
        assert!(matches!(
            next_step(&policy, 1, Attempt::Page("x".into())),
            Step::Done(Outcome::Page(_))
        ));
    }
}
