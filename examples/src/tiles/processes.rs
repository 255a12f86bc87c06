//! The same tiles in N child processes: what "each process has its own memory space" costs.
//!
//! Threads in a pool share the image: a tile job reads the source and writes its output
//! in place, and nothing is copied ([`filter_on_pool`](super::filter_on_pool)). Processes
//! share nothing, so [`filter_in_processes`] has to move the pixels:
//!
//! 1. cut the tile grid into one [`Band`] per process: contiguous whole tile rows, as even
//!    as the row count allows (a process cannot steal tiles from a neighbour, so the split
//!    is fixed up front);
//! 2. start every child (the program re-executes itself with a worker flag,
//!    [`WorkerCommand`]) with its stdin and stdout as pipes;
//! 3. from one parent thread per child: write the band's request (its input rows: the
//!    band plus the filter's halo above and below), then read the output rows back and
//!    copy them into the result. The child reads its whole request before it answers, so
//!    the parent's write never waits on the child's write: no deadlock;
//! 4. wait for every child to exit, and fail if one did not exit cleanly.
//!
//! In the child, [`serve_band`] rebuilds a full-size image whose only written rows are
//! the ones received (the rest are zero pages the allocator maps lazily and the filter
//! never reads: each tile's window stays inside the band's input rows), runs the same
//! [`TileJob`](super::TileJob)s the threads run, and writes back its output rows. The same
//! code on the same inputs in the same order gives the same bits, so the result equals the
//! threads' (the tests check it).
//!
//! The report counts every byte that crossed a pipe, and the wall time includes starting
//! the processes: both are part of the price of isolation.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::band_wire::{self, Band, BandResponse};
use super::filter::EdgeFilter;
use super::gray::GrayF32;
use super::tiling::TileGrid;

/// The hidden first argument that turns the tiles program (or the tour) into a worker.
pub const WORKER_FLAG: &str = "--tiles-worker";

/// How to start one worker process: a program and its arguments. The program must call
/// [`serve_band`] on its stdin and stdout when given these arguments.
#[derive(Clone, Debug)]
pub struct WorkerCommand {
    program: PathBuf,
    args: Vec<String>,
}

impl WorkerCommand {
    /// This very program, re-executed with [`WORKER_FLAG`]: the usual choice. Its `main`
    /// must check for the flag first ([`is_worker_invocation`]).
    pub fn current_exe() -> io::Result<WorkerCommand> {
        Ok(WorkerCommand::new(std::env::current_exe()?, [WORKER_FLAG]))
    }

    /// Any program with the given arguments.
    pub fn new(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<String>>,
    ) -> WorkerCommand {
        WorkerCommand {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
        }
    }

    fn spawn(&self) -> io::Result<Child> {
        Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot start worker {}: {e}", self.program.display()),
                )
            })
    }
}

/// True if this process was started as a tiles worker (its first argument is
/// [`WORKER_FLAG`]).
pub fn is_worker_invocation() -> bool {
    std::env::args().nth(1).as_deref() == Some(WORKER_FLAG)
}

/// The worker's `main`: if this process was started as a tiles worker, serves its band
/// on stdin/stdout and returns the exit code to end with; otherwise `None`, and `main`
/// goes on. Call it first thing in the `main` of any program that re-executes itself
/// through [`WorkerCommand::current_exe`].
pub fn run_as_worker_if_asked() -> Option<std::process::ExitCode> {
    if !is_worker_invocation() {
        return None;
    }
    Some(
        match serve_band(&mut std::io::stdin().lock(), &mut std::io::stdout().lock()) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("tiles worker: {error}");
                std::process::ExitCode::FAILURE
            }
        },
    )
}

/// What one child did.
#[derive(Clone, Debug)]
pub struct ChildReport {
    /// The child's process id.
    pub pid: u32,
    /// Its band.
    pub band: Band,
    /// Tiles it filtered.
    pub tiles: u64,
    /// Time it spent filtering, as it measured it.
    pub compute: Duration,
}

/// The result of one run in processes.
#[derive(Debug)]
pub struct ProcessRun {
    /// The filtered image.
    pub output: GrayF32,
    /// Wall time: from starting the first child to the last one exiting.
    pub wall: Duration,
    /// One report per child, top band first.
    pub children: Vec<ChildReport>,
}

impl ProcessRun {
    /// Bytes copied into the children (input rows, halos included).
    pub fn bytes_sent(&self) -> u64 {
        self.children.iter().map(|c| c.band.input_bytes()).sum()
    }

    /// Bytes copied back (output rows).
    pub fn bytes_received(&self) -> u64 {
        self.children.iter().map(|c| c.band.output_bytes()).sum()
    }
}

/// Cuts `grid` into at most `processes` bands of whole tile rows, top to bottom.
pub fn bands(grid: &TileGrid, halo: usize, processes: usize) -> Vec<Band> {
    let rows = grid.rows();
    let count = processes.clamp(1, rows);
    let tile_h = grid.tile_size().1;
    (0..count)
        .map(|i| {
            // Tile rows [i * rows / count, (i + 1) * rows / count): sizes differ by at most one.
            let (r0, r1) = (i * rows / count, (i + 1) * rows / count);
            let output_rows = r0 * tile_h..(r1 * tile_h).min(grid.height());
            let input_rows =
                output_rows.start.saturating_sub(halo)..(output_rows.end + halo).min(grid.height());
            Band {
                image: (grid.width(), grid.height()),
                tile: grid.tile_size(),
                output_rows,
                input_rows,
            }
        })
        .collect()
}

/// Filters `src` tile by tile in `processes` child processes started by `worker`; the
/// result equals `filter.apply(src)` bit for bit.
pub fn filter_in_processes(
    worker: &WorkerCommand,
    processes: usize,
    filter: &EdgeFilter,
    src: &GrayF32,
    grid: &TileGrid,
) -> io::Result<ProcessRun> {
    assert_eq!(
        (grid.width(), grid.height()),
        (src.width(), src.height()),
        "the tile grid must be made for the image being filtered"
    );
    let start = Instant::now();
    let bands = bands(grid, filter.halo(), processes);
    let mut children = Vec::with_capacity(bands.len());
    for _ in &bands {
        match worker.spawn() {
            Ok(child) => children.push(child),
            Err(error) => {
                for mut child in children {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                return Err(error);
            }
        }
    }
    let sigma = filter.kernel().sigma();
    let width = src.width();
    let mut output = GrayF32::new(src.width(), src.height());
    // Each band's output rows are a disjoint slice of the result: hand them out up front.
    let mut rest = output.pixels_mut();
    let mut slices = Vec::with_capacity(bands.len());
    for band in &bands {
        let (mine, tail) = rest.split_at_mut(band.output_rows.len() * width);
        slices.push(mine);
        rest = tail;
    }
    let results: Vec<io::Result<ChildReport>> = std::thread::scope(|s| {
        let workers: Vec<_> = children
            .into_iter()
            .zip(&bands)
            .zip(slices)
            .map(|((child, band), out)| {
                s.spawn(move || talk_to_child(child, sigma, band, src, out))
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(io::Error::other("a pipe thread panicked")))
            })
            .collect()
    });
    let children = results.into_iter().collect::<io::Result<Vec<_>>>()?;
    Ok(ProcessRun {
        output,
        wall: start.elapsed(),
        children,
    })
}

/// One child's conversation: request out, response in, exit status checked.
fn talk_to_child(
    mut child: Child,
    sigma: f32,
    band: &Band,
    src: &GrayF32,
    out: &mut [f32],
) -> io::Result<ChildReport> {
    let pid = child.id();
    let talk = (|| {
        let stdin = child.stdin.take().expect("spawned with a piped stdin");
        let mut writer = BufWriter::new(stdin);
        band_wire::write_request(&mut writer, sigma, band, src.pixels())?;
        // Dropping the writer closes the pipe: the child sees the end of its input.
        drop(writer.into_inner().map_err(|e| e.into_error())?);
        let stdout = child.stdout.take().expect("spawned with a piped stdout");
        band_wire::read_response(&mut BufReader::new(stdout), band)
    })();
    let status = child.wait()?;
    let response =
        talk.map_err(|e| io::Error::new(e.kind(), format!("worker {pid} (status {status}): {e}")))?;
    if !status.success() {
        return Err(io::Error::other(format!(
            "worker {pid} exited with {status}"
        )));
    }
    out.copy_from_slice(&response.output);
    Ok(ChildReport {
        pid,
        band: band.clone(),
        tiles: response.tiles,
        compute: response.compute,
    })
}

/// The worker's side: reads one request from `input`, filters its band's tiles on this
/// thread, writes the response to `output`.
pub fn serve_band(input: &mut impl Read, output: &mut impl Write) -> io::Result<()> {
    let request = band_wire::read_request(input)?;
    let band = request.band;
    let filter = EdgeFilter::new(request.sigma)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{e:?}")))?;
    let (w, h) = band.image;
    let grid = TileGrid::new(w, h, band.tile.0, band.tile.1)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let started = Instant::now();
    // Full size, but only the band's input rows are ever written or read (see module doc).
    let mut src = GrayF32::new(w, h);
    src.pixels_mut()[band.input_rows.start * w..band.input_rows.end * w]
        .copy_from_slice(&request.input);
    let mut result = GrayF32::new(w, h);
    let mut tiles = 0;
    for job in grid.jobs(result.pixels_mut()) {
        if band.output_rows.contains(&job.tile().rect.y) {
            let window = job.tile().input_rect(filter.halo(), &src.bounds());
            if window.y < band.input_rows.start || window.bottom() > band.input_rows.end {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the band's input rows do not cover its tiles' halo",
                ));
            }
            job.run(&filter, &src);
            tiles += 1;
        }
    }
    let response = BandResponse {
        compute: started.elapsed(),
        tiles,
        output: result.pixels()[band.output_rows.start * w..band.output_rows.end * w].to_vec(),
    };
    band_wire::write_response(&mut BufWriter::new(output), &response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::image_gen::test_image;

    #[test]
    fn bands_cover_the_rows_once_and_carry_their_halo() {
        let grid = TileGrid::new(50, 97, 16, 10).unwrap(); // 10 tile rows, the last 7 high
        for processes in [1, 2, 3, 4, 10, 64] {
            let bands = bands(&grid, 3, processes);
            assert_eq!(bands.len(), processes.min(10));
            let mut next = 0;
            for band in &bands {
                assert_eq!(band.output_rows.start, next);
                assert_eq!(band.output_rows.start % 10, 0);
                assert_eq!(
                    band.input_rows.start,
                    band.output_rows.start.saturating_sub(3)
                );
                assert_eq!(band.input_rows.end, (band.output_rows.end + 3).min(97));
                next = band.output_rows.end;
            }
            assert_eq!(next, 97);
        }
    }

    #[test]
    fn a_served_band_equals_the_same_rows_of_the_whole_image() {
        let src = test_image(61, 47);
        let filter = EdgeFilter::new(1.5).unwrap();
        let whole = filter.apply(&src);
        let grid = TileGrid::new(61, 47, 16, 8).unwrap();
        for band in bands(&grid, filter.halo(), 3) {
            let mut request = Vec::new();
            band_wire::write_request(&mut request, 1.5, &band, src.pixels()).unwrap();
            let mut answer = Vec::new();
            serve_band(&mut request.as_slice(), &mut answer).unwrap();
            let response = band_wire::read_response(&mut answer.as_slice(), &band).unwrap();
            let rows = band.output_rows.start * 61..band.output_rows.end * 61;
            let expected = &whole.pixels()[rows];
            assert!(
                response
                    .output
                    .iter()
                    .zip(expected)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "band {band:?}"
            );
            assert_eq!(
                response.tiles as usize,
                band.output_rows.len().div_ceil(8) * 4
            );
        }
    }
}
