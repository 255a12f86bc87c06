//! The tiles demo: an edge filter cut into tiles and run on spindle-pool, 1..N threads.
//!
//! ```text
//! cargo run --release --example tiles                  # generated 4000x3000 test image
//! cargo run --release --example tiles -- photo.jpg -o edges.png --tile 128
//! cargo run --release --example tiles -- --mode processes   # threads beside processes
//! ```
//!
//! What it does, step by step (the library code is in `examples/src/tiles/`):
//!
//! 1. load the image named on the command line (PNG or JPEG), or draw the deterministic
//!    test picture, as grayscale `f32`;
//! 2. filter it once on this thread, whole, as the reference;
//! 3. for 1, 2, ... N threads (N = available cores): build a pool of that size (pinned to
//!    cores), then filter the image tile by tile on it a few times, checking every result
//!    against the reference bit for bit, and print the median wall time, the speedup over
//!    one thread, and which worker and core ran each tile;
//! 4. write the edge image as an 8-bit PNG (default `tiles-out.png`).
//!
//! With `--mode processes`, step 3 instead runs the tiles with N pool threads and in N
//! child processes, side by side: the program re-executes itself with a hidden worker
//! flag, sends each child the rows of its band of tiles through its stdin and reads the
//! result from its stdout (`examples/src/tiles/processes.rs`). It prints both median
//! times and the bytes copied: threads share the image, processes need their own copy.
//!
//! Reading the output: "busy ms" per worker close to the run's wall time means the
//! worker never waited; the map shows which worker ran each tile. With spindle-pool,
//! runs of one worker along a row are batches of tiles it took from the pool's shared
//! queue at once, and a lone tile between them is one stolen from the other worker.
//! "steals" and "sleeps" are the pool's own counters: a handful of sleeps per run is
//! the workers parking between runs, not during one. Speedups above the core count can
//! happen on a shared machine (the 1-thread run competed with other processes); on a quiet
//! one expect a little under N: the tiles recompute their halos (the "more input" figure)
//! and share memory bandwidth.

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use spindle_examples::tiles::{
    EdgeFilter, GrayF32, PoolRun, TileGrid, WorkerCommand, compare_modes, filter_on_pool,
    load_gray, render_placement, run_as_worker_if_asked, save_gray, test_image,
};
use spindle_pool::ThreadPool;

const USAGE: &str = "\
usage: tiles [IMAGE] [options]
  IMAGE              PNG or JPEG to filter (default: a generated test image)
  -o, --out PATH     where to write the edge image (default: tiles-out.png)
  --size WxH         size of the generated image (default: 4000x3000)
  --tile N | WxH     tile size in pixels (default: 256)
  --sigma S          Gaussian blur sigma in pixels (default: 2)
  --mode M           threads: pools of 1..N threads (default); processes: N threads
                     beside N child processes, with the bytes each copies
  --threads N        largest pool to time, or workers of each mode (default: cores)
  --runs N           timed runs per pool; the median is shown (default: 5)
  --gain G           brightness of the edge image (default: 4)
  --no-pin           do not pin pool workers to cores
  --save-input PATH  also write the grayscale input image
  -h, --help         show this help";

/// Command-line options, with their defaults.
struct Options {
    input: Option<PathBuf>,
    output: PathBuf,
    size: (usize, usize),
    tile: (usize, usize),
    sigma: f32,
    max_threads: usize,
    runs: usize,
    gain: f32,
    pin: bool,
    save_input: Option<PathBuf>,
    processes: bool,
}

fn main() -> ExitCode {
    if let Some(code) = run_as_worker_if_asked() {
        return code; // a child started by the tiles comparison
    }
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("tiles: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tiles: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), Box<dyn Error>> {
    let filter = EdgeFilter::new(options.sigma)?;
    let started = Instant::now();
    let (src, origin) = match &options.input {
        Some(path) => (load_gray(path)?, format!("{}", path.display())),
        None => {
            let (w, h) = options.size;
            (test_image(w, h), "generated test image".to_owned())
        }
    };
    let grid = TileGrid::new(src.width(), src.height(), options.tile.0, options.tile.1)?;
    println!(
        "spindle tiles: Gaussian blur (sigma {}, {} taps) then Sobel magnitude",
        options.sigma,
        filter.kernel().weights().len()
    );
    println!(
        "input:  {origin}, {}x{} ({:.0} ms to {})",
        src.width(),
        src.height(),
        ms(started.elapsed()),
        if options.input.is_some() {
            "load"
        } else {
            "draw"
        }
    );
    if let Some(path) = &options.save_input {
        save_gray(path, &src, 1.0)?;
        println!("        written to {}", path.display());
    }
    let halo_pixels: usize = grid
        .tiles()
        .map(|t| t.input_rect(filter.halo(), &src.bounds()).area())
        .sum();
    println!(
        "tiles:  {}x{} = {} tiles of {}x{}, halo {} px (tiles read {:.1}% more input than the image)",
        grid.columns(),
        grid.rows(),
        grid.len(),
        grid.tile_size().0,
        grid.tile_size().1,
        filter.halo(),
        (halo_pixels as f64 / src.bounds().area() as f64 - 1.0) * 100.0
    );

    let started = Instant::now();
    let reference = filter.apply(&src);
    let reference_time = started.elapsed();
    println!(
        "reference: whole image on this thread, no tiles: {:.1} ms\n",
        ms(reference_time)
    );

    if options.processes {
        let worker = WorkerCommand::current_exe()?;
        let comparison = compare_modes(
            &worker,
            options.max_threads,
            options.runs,
            &filter,
            &src,
            &grid,
        )?;
        println!("{comparison}");
        if let Some(i) = comparison.first_difference {
            return Err(format!("processes and threads differ at sample {i}").into());
        }
        check_image(&comparison.output, &reference)?;
        return write_output(options, &reference);
    }

    println!("threads  median ms  speedup  identical to reference");
    let mut one_thread = None;
    for threads in 1..=options.max_threads {
        let pool = build_pool(threads, options.pin)?;
        // One untimed run first: it grows every worker's scratch buffers to tile size.
        check(&filter_on_pool(&pool, &filter, &src, &grid), &reference)?;
        let mut runs: Vec<PoolRun> = Vec::with_capacity(options.runs);
        for _ in 0..options.runs {
            let run = filter_on_pool(&pool, &filter, &src, &grid);
            check(&run, &reference)?;
            runs.push(run);
        }
        let stats = pool.stats();
        pool.shutdown();
        runs.sort_by_key(|run| run.wall);
        let median = &runs[runs.len() / 2];
        let base = *one_thread.get_or_insert(median.wall);
        println!(
            "{threads:>7}  {:>9.1}  {:>6.2}x  yes (all {} runs)",
            ms(median.wall),
            base.as_secs_f64() / median.wall.as_secs_f64(),
            options.runs + 1
        );
        print!(
            "{}",
            render_placement(&grid, &median.records, "         ", 64)
        );
        println!(
            "         pool over all {} runs: {} jobs run, {} steals, {} parks",
            options.runs + 1,
            stats.jobs_run(),
            stats.steals(),
            stats.parks()
        );
    }

    if one_thread.is_some_and(|t| t < reference_time) {
        println!(
            "\nnote: one thread on tiles beats the whole-image reference: a tile's blur buffers\n\
             (a few hundred KB) stay in the core's own caches, the whole image's ({} MB)\n\
             stream through the slower shared ones.",
            src.bounds().area() * 4 / 1_000_000
        );
    }

    write_output(options, &reference)
}

fn write_output(options: &Options, reference: &GrayF32) -> Result<(), Box<dyn Error>> {
    save_gray(&options.output, reference, options.gain)?;
    println!(
        "\nwrote {} ({}x{}, gain {})",
        options.output.display(),
        reference.width(),
        reference.height(),
        options.gain
    );
    Ok(())
}

/// A pool of `threads` workers named `tile-{i}`, pinned to cores if asked. Where the OS
/// refuses pinning (some containers do), says so and falls back to unpinned workers.
fn build_pool(threads: usize, pin: bool) -> Result<ThreadPool, String> {
    let build = |pin: bool| {
        ThreadPool::builder()
            .threads(threads)
            .pin_to_cores(pin)
            .thread_name(|i| format!("tile-{i}"))
            .build()
    };
    match build(pin) {
        Ok(pool) => Ok(pool),
        Err(error) if pin => {
            eprintln!("tiles: cannot pin workers ({error}); running them unpinned");
            build(false).map_err(|e| format!("cannot build a pool of {threads} threads: {e}"))
        }
        Err(error) => Err(format!("cannot build a pool of {threads} threads: {error}")),
    }
}

/// Fails the demo if a tiled run differs from the reference in any bit.
fn check(run: &PoolRun, reference: &GrayF32) -> Result<(), String> {
    check_image(&run.output, reference)
}

fn check_image(image: &GrayF32, reference: &GrayF32) -> Result<(), String> {
    match image.first_bit_difference(reference) {
        None => Ok(()),
        Some(i) => Err(format!(
            "tiled result differs from the reference at pixel ({}, {}): {} vs {}",
            i % reference.width(),
            i / reference.width(),
            image.pixels()[i],
            reference.pixels()[i]
        )),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Parses the arguments; `Ok(None)` means help was asked for.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut options = Options {
        input: None,
        output: PathBuf::from("tiles-out.png"),
        size: (4000, 3000),
        tile: (256, 256),
        sigma: EdgeFilter::DEFAULT_SIGMA,
        max_threads: cores,
        runs: 5,
        gain: 4.0,
        pin: true,
        save_input: None,
        processes: false,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "-o" | "--out" => options.output = PathBuf::from(value(&arg)?),
            "--size" => options.size = parse_size(&value(&arg)?)?,
            "--tile" => {
                let text = value(&arg)?;
                options.tile = match text.parse::<usize>() {
                    Ok(n) => (n, n),
                    Err(_) => parse_size(&text)?,
                };
            }
            "--sigma" => options.sigma = parse_number(&arg, &value(&arg)?)?,
            "--threads" => options.max_threads = parse_number(&arg, &value(&arg)?)?,
            "--runs" => options.runs = parse_number(&arg, &value(&arg)?)?,
            "--gain" => options.gain = parse_number(&arg, &value(&arg)?)?,
            "--no-pin" => options.pin = false,
            "--mode" => {
                options.processes = match value(&arg)?.as_str() {
                    "threads" => false,
                    "processes" => true,
                    other => return Err(format!("--mode: {other:?} is not threads or processes")),
                }
            }
            "--save-input" => options.save_input = Some(PathBuf::from(value(&arg)?)),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            path if options.input.is_none() => options.input = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument {extra}: only one image")),
        }
    }
    if options.max_threads == 0 || options.runs == 0 {
        return Err("--threads and --runs must be at least 1".to_owned());
    }
    if options.size.0 == 0 || options.size.1 == 0 || options.tile.0 == 0 || options.tile.1 == 0 {
        return Err("sizes must be at least 1x1".to_owned());
    }
    if !options.gain.is_finite() || options.gain <= 0.0 {
        return Err("--gain must be a positive number".to_owned());
    }
    Ok(Some(options))
}

fn parse_number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{name}: {text:?} is not a valid number"))
}

fn parse_size(text: &str) -> Result<(usize, usize), String> {
    let (w, h) = text
        .split_once('x')
        .ok_or(format!("{text:?} is not a size like 4000x3000"))?;
    Ok((parse_number("width", w)?, parse_number("height", h)?))
}
