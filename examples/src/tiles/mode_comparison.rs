//! Threads beside processes on the same tiles: times, bytes copied, and the same image.
//!
//! [`compare_modes`] runs the tiled filter with `workers` pool threads and with `workers`
//! child processes, one untimed run of each first (page faults, the pool's scratch
//! buffers, the executable in the page cache), then `runs` timed runs of each,
//! alternating threads and processes so that a noisy neighbour on a shared machine slows
//! both alike. It keeps the median of each and checks every processes result against the
//! threads result bit for bit.

use std::fmt;
use std::io;
use std::time::Duration;

use spindle_pool::ThreadPool;

use super::filter::EdgeFilter;
use super::gray::GrayF32;
use super::pool_run::filter_on_pool;
use super::processes::{WorkerCommand, filter_in_processes};
use super::tiling::TileGrid;

/// The two medians, what was copied, and whether the images agree.
#[derive(Clone, Debug)]
pub struct ModeComparison {
    /// Threads in the pool, and child processes.
    pub workers: usize,
    /// Timed runs of each mode.
    pub runs: usize,
    /// Median wall time with threads.
    pub threads: Duration,
    /// Median wall time with processes (starting them included).
    pub processes: Duration,
    /// In the median processes run, the longest time one child spent filtering.
    pub slowest_child_compute: Duration,
    /// Bytes copied into the children per run (input rows and their halos).
    pub bytes_sent: u64,
    /// Bytes copied back per run.
    pub bytes_received: u64,
    /// Size of the image in bytes (what the threads read in place).
    pub image_bytes: u64,
    /// `None` when every processes run equalled the threads run bit for bit; otherwise the
    /// first differing sample.
    pub first_difference: Option<usize>,
    /// The threads' result.
    pub output: GrayF32,
}

/// Times the tiled filter in threads and in processes; see the module doc.
pub fn compare_modes(
    worker: &WorkerCommand,
    workers: usize,
    runs: usize,
    filter: &EdgeFilter,
    src: &GrayF32,
    grid: &TileGrid,
) -> io::Result<ModeComparison> {
    assert!(
        workers > 0 && runs > 0,
        "compare_modes needs at least one worker and one run"
    );
    let pool = ThreadPool::builder()
        .threads(workers)
        .thread_name(|i| format!("tile-{i}"))
        .build()
        .map_err(|e| io::Error::other(format!("cannot build a pool of {workers}: {e}")))?;
    let reference = filter_on_pool(&pool, filter, src, grid).output;
    let mut first_difference = None;
    let mut check = |image: &GrayF32| {
        if first_difference.is_none() {
            first_difference = image.first_bit_difference(&reference);
        }
    };
    check(&filter_in_processes(worker, workers, filter, src, grid)?.output);
    let mut thread_times = Vec::with_capacity(runs);
    let mut process_runs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let run = filter_on_pool(&pool, filter, src, grid);
        check(&run.output);
        thread_times.push(run.wall);
        let run = filter_in_processes(worker, workers, filter, src, grid)?;
        check(&run.output);
        process_runs.push(run);
    }
    pool.shutdown();
    thread_times.sort();
    process_runs.sort_by_key(|run| run.wall);
    let median = &process_runs[runs / 2];
    Ok(ModeComparison {
        workers,
        runs,
        threads: thread_times[runs / 2],
        processes: median.wall,
        slowest_child_compute: median
            .children
            .iter()
            .map(|c| c.compute)
            .max()
            .unwrap_or_default(),
        bytes_sent: median.bytes_sent(),
        bytes_received: median.bytes_received(),
        image_bytes: (src.pixels().len() * 4) as u64,
        first_difference,
        output: reference,
    })
}

impl fmt::Display for ModeComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mb = |b: u64| b as f64 / 1e6;
        let same = match self.first_difference {
            None => "yes".to_owned(),
            Some(i) => format!("NO (sample {i})"),
        };
        writeln!(
            f,
            "mode       workers  median ms  vs threads  {:<34}  same image",
            "bytes copied through pipes"
        )?;
        writeln!(
            f,
            "threads    {:>7}  {:>9.1}  {:>9.2}x  {:<34}  reference",
            self.workers,
            ms(self.threads),
            1.0,
            format!("0 (the {:.1} MB image is shared)", mb(self.image_bytes))
        )?;
        writeln!(
            f,
            "processes  {:>7}  {:>9.1}  {:>9.2}x  {:<34}  {same}",
            self.workers,
            ms(self.processes),
            self.processes.as_secs_f64() / self.threads.as_secs_f64(),
            format!(
                "{:.1} MB in + {:.1} MB out",
                mb(self.bytes_sent),
                mb(self.bytes_received)
            ),
        )?;
        write!(
            f,
            "(medians of {} runs; in the processes run the slowest child spent {:.1} ms on its \
             tiles, page faults on its fresh memory included; the rest is starting processes \
             and copying pixels through pipes)",
            self.runs,
            ms(self.slowest_child_compute)
        )
    }
}
