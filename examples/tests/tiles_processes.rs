//! `--mode processes` of the tiles job: the image made in child processes equals the one
//! made by pool threads, bit for bit.
//!
//! The children are the `tour` binary of this crate re-executed with the hidden worker flag
//! (`CARGO_BIN_EXE_tour` is the path cargo built it at), which is exactly how the tour and
//! the tiles example start theirs with `WorkerCommand::current_exe()`.

use spindle_examples::tiles::{
    EdgeFilter, TileGrid, WORKER_FLAG, WorkerCommand, compare_modes, filter_in_processes,
    test_image,
};

fn worker() -> WorkerCommand {
    WorkerCommand::new(env!("CARGO_BIN_EXE_tour"), [WORKER_FLAG])
}

#[test]
fn processes_make_the_same_image_as_threads() {
    let src = test_image(203, 151);
    let filter = EdgeFilter::new(2.0).unwrap();
    let grid = TileGrid::new(203, 151, 64, 32).unwrap();
    let comparison = compare_modes(&worker(), 2, 1, &filter, &src, &grid).unwrap();
    assert_eq!(comparison.first_difference, None);
    assert_eq!(
        comparison.output.first_bit_difference(&filter.apply(&src)),
        None
    );
    // Every output row came back once; the input rows went out with their halo.
    assert_eq!(comparison.bytes_received, 203 * 151 * 4);
    assert!(comparison.bytes_sent > comparison.bytes_received);
}

#[test]
fn more_processes_than_tile_rows_still_cover_the_image() {
    let src = test_image(90, 40);
    let filter = EdgeFilter::new(1.0).unwrap();
    let grid = TileGrid::new(90, 40, 32, 16).unwrap(); // 3 tile rows
    let run = filter_in_processes(&worker(), 8, &filter, &src, &grid).unwrap();
    assert_eq!(run.children.len(), 3);
    assert_eq!(
        run.children.iter().map(|c| c.tiles).sum::<u64>(),
        grid.len() as u64
    );
    assert_eq!(run.output.first_bit_difference(&filter.apply(&src)), None);
}

#[test]
fn a_worker_that_is_not_a_worker_is_an_error() {
    let src = test_image(40, 40);
    let filter = EdgeFilter::new(1.0).unwrap();
    let grid = TileGrid::new(40, 40, 16, 16).unwrap();
    // `true` reads nothing and answers nothing: the parent gets an error, not a hang.
    let not_a_worker = WorkerCommand::new("true", Vec::<String>::new());
    assert!(filter_in_processes(&not_a_worker, 2, &filter, &src, &grid).is_err());
}
