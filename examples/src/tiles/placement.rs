//! Showing where the tiles ran: a per-worker table and a map of the tile grid.
//!
//! After a run, [`render_placement`] prints, for a terminal:
//!
//! ```text
//!   worker  cpu   tiles  busy ms
//!   w0      0        97    151.2
//!   w1      1        95    149.8
//!   map: 16x12 tiles, one character per tile = the worker that ran it
//!   0101101010011010
//!   ...
//! ```
//!
//! "cpu" lists every core the worker was seen on at the start of a tile (one core when
//! workers are pinned; possibly several when the OS migrates unpinned threads). "busy"
//! sums the time spent inside the filter, so `busy / wall` per worker shows how evenly
//! the pool shared the work. Workers are named `0-9`, then `a-z`, then `A-Z`; a tile run
//! off the pool (worker unknown) shows as `.`. Grids wider than the terminal are sampled
//! (every k-th tile in both directions) so the map keeps its shape.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt::Write;
use std::time::Duration;

use super::tiling::{Tile, TileGrid};

/// Where and how long one tile ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileRecord {
    /// The tile.
    pub tile: Tile,
    /// Index of the pool worker that ran it (`None`: not a pool thread, e.g. the caller).
    pub worker: Option<usize>,
    /// CPU core the thread was on when the tile started (`None` where unsupported).
    pub cpu: Option<usize>,
    /// Time spent filtering the tile.
    pub elapsed: Duration,
}

/// The character that stands for `worker` on the map.
pub fn worker_symbol(worker: Option<usize>) -> char {
    const SYMBOLS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    match worker {
        Some(w) if w < SYMBOLS.len() => char::from(SYMBOLS[w]),
        Some(_) => '+',
        None => '.',
    }
}

/// Per-worker totals.
#[derive(Default)]
struct WorkerSummary {
    cpus: BTreeSet<usize>,
    tiles: usize,
    busy: Duration,
}

/// Renders the table and the map for one run (see the module docs); every line starts
/// with `indent`, and the map is at most `max_width` characters wide.
pub fn render_placement(
    grid: &TileGrid,
    records: &[TileRecord],
    indent: &str,
    max_width: usize,
) -> String {
    let mut workers: BTreeMap<Option<usize>, WorkerSummary> = BTreeMap::new();
    for record in records {
        let entry = workers.entry(record.worker).or_default();
        entry.cpus.extend(record.cpu);
        entry.tiles += 1;
        entry.busy += record.elapsed;
    }
    let mut out = String::new();
    let _ = writeln!(out, "{indent}worker  cpu   tiles  busy ms");
    // Pool workers in index order, then the tiles run off the pool (`None` sorts first).
    let ordered = workers.iter().filter(|(w, _)| w.is_some());
    for (worker, summary) in ordered.chain(workers.iter().filter(|(w, _)| w.is_none())) {
        let name = match worker {
            Some(w) => format!("w{w}"),
            None => "caller".to_owned(),
        };
        let cpus = if summary.cpus.is_empty() {
            "?".to_owned()
        } else {
            let list: Vec<String> = summary.cpus.iter().map(usize::to_string).collect();
            list.join(",")
        };
        let _ = writeln!(
            out,
            "{indent}{name:<7} {cpus:<5} {:>5}  {:>7.1}",
            summary.tiles,
            summary.busy.as_secs_f64() * 1e3
        );
    }

    let step = grid.columns().div_ceil(max_width.max(1)).max(1);
    let sampled = if step > 1 {
        format!(", sampled 1 in {step} each way")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{indent}map: {}x{} tiles{sampled}, one character per tile = the worker that ran it",
        grid.columns(),
        grid.rows()
    );
    let mut symbols = vec!['?'; grid.len()];
    for record in records {
        symbols[record.tile.index] = worker_symbol(record.worker);
    }
    for row in (0..grid.rows()).step_by(step) {
        let line: String = (0..grid.columns())
            .step_by(step)
            .map(|column| symbols[row * grid.columns() + column])
            .collect();
        let _ = writeln!(out, "{indent}{line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(grid: &TileGrid, index: usize, worker: Option<usize>, cpu: usize) -> TileRecord {
        TileRecord {
            tile: grid.tile(index),
            worker,
            cpu: Some(cpu),
            elapsed: Duration::from_millis(2),
        }
    }

    #[test]
    fn table_and_map_show_who_ran_what() {
        let grid = TileGrid::new(30, 20, 10, 10).unwrap();
        let records: Vec<TileRecord> = (0..6)
            .map(|i| match i % 3 {
                0 => record(&grid, i, Some(0), 0),
                1 => record(&grid, i, Some(1), 1),
                _ => record(&grid, i, None, 1),
            })
            .collect();
        let text = render_placement(&grid, &records, "", 80);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "w0      0         2      4.0");
        assert_eq!(lines[2], "w1      1         2      4.0");
        assert_eq!(lines[3], "caller  1         2      4.0");
        assert!(lines[4].starts_with("map: 3x2 tiles,"));
        assert_eq!(&lines[5..], ["01.", "01."]);
    }

    #[test]
    fn wide_grids_are_sampled() {
        let grid = TileGrid::new(100, 10, 1, 5).unwrap();
        let records: Vec<TileRecord> = (0..grid.len())
            .map(|i| record(&grid, i, Some(i % 2), 0))
            .collect();
        let text = render_placement(&grid, &records, "  ", 40);
        let map: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.contains("map"))
            .skip(1)
            .collect();
        let expected: String = (0..100)
            .step_by(3)
            .map(|column| if column % 2 == 0 { '0' } else { '1' })
            .collect();
        assert_eq!(map, [format!("  {expected}")]);
        assert!(
            text.contains("100x2 tiles, sampled 1 in 3 each way"),
            "{text}"
        );
    }
}
