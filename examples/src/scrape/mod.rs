//! The scraping job: many pages fetched at once, where waiting on the network dominates
//! (`cargo run --release --example scrape`).
//!
//! * [`site`]: the local web, a spindle-hyper server of N linked HTML pages with seeded
//!   latency, slow pages, 500s and dropped connections;
//! * [`http_url`] resolves links and [`links`] finds them with an HTML parser;
//!   [`frontier`] is the breadth-first bookkeeping; [`fetch_policy`] the timeout and
//!   retry rules;
//! * two clients: [`blocking_client`] (ureq) and [`async_client`] (hyper on spindle);
//! * [`strategies`]: sequential, a thread per request, a task per request;
//!   [`resources`] measures their threads and memory; [`comparison`] runs all three and
//!   prints the table.

pub mod async_client;
pub mod blocking_client;
pub mod comparison;
pub mod fetch_policy;
pub mod frontier;
pub mod http_url;
pub mod links;
pub mod resources;
pub mod site;
pub mod strategies;

pub use comparison::{Comparison, ScrapeConfig, Target, compare_strategies, local_config};
pub use fetch_policy::FetchPolicy;
pub use http_url::HttpUrl;
pub use site::{SiteServer, SiteSpec};
