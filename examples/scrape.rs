//! The scraping job: one breadth-first crawler, three ways to wait for the network.
//!
//! ```text
//! cargo run --release --example scrape                        # local site, 500 pages
//! cargo run --release --example scrape -- --pages 100 --concurrency 16
//! cargo run --release --example scrape -- --url http://127.0.0.1:8080/ --max-pages 50
//! ```
//!
//! By default it starts a local site (examples/src/scrape/site.rs: a spindle-hyper server
//! of linked HTML pages, each answer delayed 20-80 ms, with a few slow pages beyond the
//! client's timeout, 500s and dropped connections, all drawn from a seed) and crawls it
//! from `/` three times: sequentially with a blocking client (ureq), with one OS thread
//! per request in flight, and with one spindle task per request through spindle-hyper.
//! It prints one table (pages, failures, retries, wall time, pages/s, threads, peak
//! memory), checks that the three found the same pages, and writes the async crawl's
//! timeline to `scrape-out/timeline.svg`.
//!
//! `--url` crawls a real site instead: plain http only, links on the same host and port
//! only, at most `--max-pages` pages per crawl (three crawls!), with a User-Agent that
//! says what is asking. Be polite: ask the site's owner, keep `--concurrency` low.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use spindle_examples::scrape::{HttpUrl, Target, compare_strategies, local_config};

const USAGE: &str = "\
usage: scrape [options]
  --pages N           pages of the local site (default: 500)
  --latency LO-HI     local answer delay in ms (default: 20-80)
  --seed N            seed of the local site (default: 42)
  --url URL           crawl this http:// site instead of the local one
  --max-pages N       at most N pages per crawl (default: all of the local site; 100 with --url)
  --concurrency K     requests in flight for threads and async (default: 32; 4 with --url)
  --workers N         async runtime worker threads (default: 2)
  --timeout MS        per-attempt timeout (default: 1000)
  --retries N         retries on 5xx and dropped connections (default: 3)
  --out PATH          async timeline SVG (default: scrape-out/timeline.svg)
  -h, --help          show this help";

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(Some((config, out))) => match run(&config, &out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("scrape: {error}");
                ExitCode::FAILURE
            }
        },
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("scrape: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(
    config: &spindle_examples::scrape::ScrapeConfig,
    out: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    match &config.target {
        Target::Local(spec) => println!(
            "spindle scrape: local site of {} pages, {}-{} ms per answer, timeout {} ms, {} retries",
            spec.pages,
            spec.latency.0.as_millis(),
            spec.latency.1.as_millis(),
            config.policy.timeout.as_millis(),
            config.policy.retries
        ),
        Target::Remote(url) => println!(
            "spindle scrape: {url}, at most {} pages per crawl, User-Agent {:?}",
            config.max_pages, config.policy.user_agent
        ),
    }
    let comparison = compare_strategies(config, true)?;
    println!("\n{comparison}");
    let failures = &comparison.rows[2].report.result.failed;
    if !failures.is_empty() {
        println!("\nfailed (async crawl):");
        for (url, why) in failures.iter().take(10) {
            println!("  {url}: {why}");
        }
        if failures.len() > 10 {
            println!("  ... and {} more", failures.len() - 10);
        }
    }
    if let Some(trace) = &comparison.trace {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        trace.write_svg(std::io::BufWriter::new(std::fs::File::create(out)?))?;
        println!("\ntimeline of the async crawl: {}", out.display());
    }
    if matches!(config.target, Target::Local(_)) && !comparison.same_pages {
        return Err("the three crawls found different pages".into());
    }
    Ok(())
}

/// Parses the arguments; `Ok(None)` means help was asked for.
fn parse_args(
    mut args: impl Iterator<Item = String>,
) -> Result<Option<(spindle_examples::scrape::ScrapeConfig, PathBuf)>, String> {
    let mut config = local_config(
        500,
        (Duration::from_millis(20), Duration::from_millis(80)),
        32,
    );
    let mut out = PathBuf::from("scrape-out/timeline.svg");
    let (mut max_pages, mut concurrency, mut url) = (None, None, None);
    let Target::Local(mut spec) = config.target.clone() else {
        unreachable!("local_config makes a local target")
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--pages" => spec.pages = number(&arg, &value(&arg)?)?,
            "--latency" => {
                let text = value(&arg)?;
                let (lo, hi) = text
                    .split_once('-')
                    .ok_or("--latency wants LO-HI, e.g. 20-80")?;
                let (lo, hi): (u64, u64) = (number(&arg, lo)?, number(&arg, hi)?);
                if lo > hi {
                    return Err("--latency: LO must not exceed HI".into());
                }
                spec.latency = (Duration::from_millis(lo), Duration::from_millis(hi));
            }
            "--seed" => spec.seed = number(&arg, &value(&arg)?)?,
            "--url" => url = Some(HttpUrl::parse(&value(&arg)?)?),
            "--max-pages" => max_pages = Some(number(&arg, &value(&arg)?)?),
            "--concurrency" => concurrency = Some(number(&arg, &value(&arg)?)?),
            "--workers" => config.workers = number(&arg, &value(&arg)?)?,
            "--timeout" => {
                config.policy.timeout = Duration::from_millis(number(&arg, &value(&arg)?)?)
            }
            "--retries" => config.policy.retries = number(&arg, &value(&arg)?)?,
            "--out" => out = PathBuf::from(value(&arg)?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if spec.pages == 0 || config.workers == 0 || concurrency == Some(0) || max_pages == Some(0) {
        return Err("--pages, --workers, --concurrency and --max-pages must be at least 1".into());
    }
    // Slow pages stay slower than the timeout, whatever timeout was chosen.
    spec.slow_delay = config.policy.timeout * 3;
    match url {
        Some(url) => {
            config.target = Target::Remote(url);
            config.max_pages = max_pages.unwrap_or(100);
            config.concurrency = concurrency.unwrap_or(4);
        }
        None => {
            config.max_pages = max_pages.unwrap_or(spec.pages * 2 + 10);
            config.concurrency = concurrency.unwrap_or(32);
            config.target = Target::Local(spec);
        }
    }
    Ok(Some((config, out)))
}

fn number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{name}: {text:?} is not a valid number"))
}
