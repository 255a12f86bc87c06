//! The training job at small size: 2 epochs on a slice of the digits.
//!
//! * the overlapped run (tasks, channel, blocking-pool shards, evaluation and checkpoints
//!   beside the next epoch) ends with the same weights, bit for bit, as the sequential
//!   run and as the pool run, for the same seed;
//! * it learns: held-out accuracy passes a floor of 80% (chance is 10%; the full run
//!   reaches about 95%);
//! * each epoch's checkpoint reloads to that epoch's weights (the last one to the final
//!   model).

use std::path::PathBuf;

use spindle_examples::train::checkpoint;
use spindle_examples::train::{Shards, TrainConfig, train_blocking, train_overlapped};
use spindle_pool::ThreadPool;

/// A scratch folder of this test process, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("spindle-train-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(checkpoints: &Scratch) -> TrainConfig {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let mut config = TrainConfig::new(data, &checkpoints.0, 2);
    config.epochs = 2;
    config.train_limit = Some(600);
    config.batch_size = 16; // more steps in two short epochs (87% held out, measured)
    config.learning_rate = 0.3;
    config.chunk_bytes = 4096; // many chunks: the parser sees lines cut anywhere
    config.prefetch = 2;
    config
}

fn bits(params: &[f32]) -> Vec<u32> {
    params.iter().map(|p| p.to_bits()).collect()
}

#[test]
fn overlapped_training_gives_the_sequential_weights_and_learns() {
    let (seq_dir, pool_dir, over_dir) = (
        Scratch::new("seq"),
        Scratch::new("pool"),
        Scratch::new("over"),
    );
    let sequential = train_blocking(&config(&seq_dir), Shards::Sequential).unwrap();
    let pool = ThreadPool::new(2).unwrap();
    let parallel = train_blocking(&config(&pool_dir), Shards::Pool(&pool)).unwrap();
    let (overlapped, trace) = train_overlapped(&config(&over_dir), true).unwrap();

    assert_eq!(
        bits(overlapped.model.parameters()),
        bits(sequential.model.parameters())
    );
    assert_eq!(
        bits(parallel.model.parameters()),
        bits(sequential.model.parameters())
    );
    assert_eq!(overlapped.epochs, sequential.epochs);
    assert_eq!(overlapped.samples, (600, 359));
    let accuracy = overlapped.final_accuracy();
    assert!(
        accuracy >= 0.80,
        "held-out accuracy {accuracy} below the 80% floor"
    );
    assert!(overlapped.epochs[1].train_loss < overlapped.epochs[0].train_loss);

    // Every epoch wrote its checkpoint; the last one is the final model.
    let config = config(&over_dir);
    for epoch in 1..=2 {
        let bytes = std::fs::read(config.checkpoint_path(epoch)).unwrap();
        let (saved_epoch, model) = checkpoint::decode(&bytes).unwrap();
        assert_eq!(saved_epoch, epoch);
        if epoch == 2 {
            assert_eq!(
                bits(model.parameters()),
                bits(overlapped.model.parameters())
            );
        }
    }

    // The trace saw the pipeline's tasks (the SVG names tasks; blocking-pool jobs such as
    // the gradient shards are drawn on the pool lanes without names).
    let svg = {
        let mut out = Vec::new();
        trace.expect("traced").write_svg(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    for name in ["load", "train", "eval", "checkpoint"] {
        assert!(svg.contains(name), "the timeline names no {name:?} task");
    }
}

#[test]
fn a_missing_or_corrupt_data_file_is_an_error() {
    let dir = Scratch::new("bad");
    let mut missing = config(&dir);
    missing.data = dir.0.join("no-such.csv");
    assert!(train_overlapped(&missing, false).is_err());
    assert!(train_blocking(&missing, Shards::Sequential).is_err());

    std::fs::create_dir_all(&dir.0).unwrap();
    let corrupt = dir.0.join("corrupt.csv");
    std::fs::write(&corrupt, "1,2,3\n").unwrap();
    let mut bad = config(&dir);
    bad.data = corrupt;
    let error = train_overlapped(&bad, false).unwrap_err().to_string();
    assert!(error.contains("line 1"), "{error}");
}
