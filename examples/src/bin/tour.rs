//! The tour: the seed's three jobs at small sizes, each run the ways the book chapter
//! compares, in about half a minute. `cargo run --release` at the workspace root runs it.
//!
//! Each section prints one comparison table and a line saying what it shows, and writes
//! its timeline (drawn by spindle's own tracer) to `tour-out/<job>.svg`. The folder is
//! ignored by git, so the tour never writes over a tracked file.
//!
//! The tour is also the program the tiles section re-executes for its child processes
//! (the hidden first argument `--tiles-worker`), and the integration tests use it so.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use spindle_examples::scrape::{self, Target};
use spindle_examples::tiles::{
    EdgeFilter, TileGrid, WorkerCommand, compare_modes, filter_on_pool, run_as_worker_if_asked,
    test_image,
};
use spindle_examples::train::{self, TrainConfig};
use spindle_pool::ThreadPool;
use spindle_pool::trace::Recorder;

/// Where the timelines go (ignored by git).
const OUT_DIR: &str = "tour-out";

fn main() -> ExitCode {
    if let Some(code) = run_as_worker_if_asked() {
        return code; // a child started by the tiles comparison
    }
    match tour() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tour: {error}");
            ExitCode::FAILURE
        }
    }
}

fn tour() -> Result<(), Box<dyn Error + Send + Sync>> {
    let started = Instant::now();
    let out = PathBuf::from(OUT_DIR);
    std::fs::create_dir_all(&out)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "spindle tour: three jobs, each done several ways, on this machine's {cores} cores.\n\
         Timelines go to {OUT_DIR}/; each job also has its own example with more options.\n"
    );
    scraping(&out)?;
    tiles(&out, cores)?;
    training(&out, cores)?;
    println!("tour done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Waiting on the network: a crawl of a local site, three ways.
fn scraping(out: &Path) -> Result<(), Box<dyn Error + Send + Sync>> {
    let pages = 150;
    println!(
        "== scrape: crawl a local site of {pages} linked pages, 20-80 ms per answer, with slow pages,\n   \
         500s and dropped connections (waiting on the network)"
    );
    println!("   more: cargo run --release --example scrape\n");
    let mut config = scrape::local_config(
        pages,
        (Duration::from_millis(20), Duration::from_millis(80)),
        32,
    );
    config.policy.timeout = Duration::from_millis(500);
    if let Target::Local(spec) = &mut config.target {
        spec.slow_delay = Duration::from_millis(1500);
    }
    let comparison = scrape::compare_strategies(&config, true)?;
    println!("{comparison}");
    println!(
        "-> a waiting request costs the async crawl a task of a few hundred bytes, the threads\n   \
         crawl a whole OS thread: same pages, same speed at this size, 3 threads instead of {}.\n",
        comparison.rows[1].report.threads
    );
    if let Some(trace) = &comparison.trace {
        let path = out.join("scrape.svg");
        trace.write_svg(std::io::BufWriter::new(std::fs::File::create(&path)?))?;
        println!("   timeline of the async crawl: {}\n", path.display());
    }
    if !comparison.same_pages {
        return Err("the three crawls found different pages".into());
    }
    Ok(())
}

/// CPU-bound: an edge filter on tiles, in pool threads and in child processes.
fn tiles(out: &Path, cores: usize) -> Result<(), Box<dyn Error + Send + Sync>> {
    let workers = cores.max(2);
    println!("== tiles: an edge filter on a 2000x1500 image cut into 256-pixel tiles (CPU-bound)");
    println!("   more: cargo run --release --example tiles -- --mode processes\n");
    let (w, h) = (2000, 1500);
    let src = test_image(w, h);
    let filter = EdgeFilter::new(EdgeFilter::DEFAULT_SIGMA)?;
    let grid = TileGrid::new(w, h, 256, 256)?;
    let comparison = compare_modes(
        &WorkerCommand::current_exe()?,
        workers,
        3,
        &filter,
        &src,
        &grid,
    )?;
    println!("{comparison}");
    println!(
        "-> threads share one memory, so the tiles cost only compute; each process has its own,\n   \
         so the pixels must be copied in and out and the processes started: same image, more time.\n"
    );
    // One traced run on the pool for the picture.
    let recorder = Recorder::new();
    let pool = ThreadPool::builder()
        .threads(workers)
        .thread_name(|i| format!("tile-{i}"))
        .trace(recorder.clone())
        .build()?;
    filter_on_pool(&pool, &filter, &src, &grid);
    pool.shutdown();
    let path = out.join("tiles.svg");
    recorder
        .snapshot()
        .write_svg(std::io::BufWriter::new(std::fs::File::create(&path)?))?;
    println!("   timeline of one threads run: {}\n", path.display());
    Ok(())
}

/// Both at once: training on the pool while loading, evaluation and checkpoints run as
/// tasks beside it.
fn training(out: &Path, cores: usize) -> Result<(), Box<dyn Error + Send + Sync>> {
    println!("== train: a 64-128-10 network learns the UCI handwritten digits (CPU + I/O + tasks)");
    println!("   more: cargo run --release --example train\n");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let mut config = TrainConfig::new(data, out.join("checkpoints"), cores.max(2));
    config.epochs = 8;
    let comparison = train::compare_modes(&config, 5, false)?;
    let last = comparison.epochs.last().expect("at least one epoch");
    println!(
        "after {} epochs: train loss {:.3}, held-out accuracy {:.1}% ({} training / {} held-out digits)\n",
        last.epoch,
        last.train_loss,
        last.test.accuracy * 100.0,
        comparison.run.samples.0,
        comparison.run.samples.1
    );
    println!("{comparison}");
    println!(
        "-> the gradient shards can use every core; overlapping pays only when loading and scoring\n   \
         are a real share of the work: here the file is 260 KB, so each batch's hops between\n   \
         tasks and pool threads can cost more than the overlap saves. Same weights in all three.\n"
    );
    // The picture: a traced overlapped run of 3 epochs (8 would be too dense to read).
    let mut short = config.clone();
    short.epochs = 3;
    if let (_, Some(trace)) = train::train_overlapped(&short, true)? {
        let path = out.join("train.svg");
        trace.write_svg(std::io::BufWriter::new(std::fs::File::create(&path)?))?;
        println!(
            "   timeline of a 3-epoch overlapped run: {}\n",
            path.display()
        );
    }
    if !comparison.identical {
        return Err("the training modes ended with different weights".into());
    }
    Ok(())
}
