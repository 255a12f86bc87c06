//! The training job: a one-hidden-layer network learns the UCI handwritten digits, three
//! ways, with its loading and evaluation alongside in the third.
//!
//! ```text
//! cargo run --release --example train
//! cargo run --release --example train -- --epochs 20 --hidden 128 --threads 2
//! ```
//!
//! It trains the same network with the same seed three times — sequential everything;
//! gradients in parallel shards on a spindle-pool; and as spindle tasks with the data
//! pipeline feeding a bounded channel and each epoch's evaluation and checkpoint running
//! beside the next epoch — then prints the per-epoch loss and accuracy, the wall time of
//! each mode with its speedup, and whether the three ended with the same weights (they
//! must: see `examples/src/train/gradient.rs`). It writes each epoch's checkpoint and an
//! SVG timeline of the overlapped run (open it in a browser: the `load`, `gradient`,
//! `eval` and `checkpoint` bars overlap) under `train-out/`.

use std::path::PathBuf;
use std::process::ExitCode;

use spindle_examples::train::{TrainConfig, compare_modes};

const USAGE: &str = "\
usage: train [options]
  --data PATH       digits CSV (default: examples/data/digits.csv)
  --out DIR         checkpoints and timeline go here (default: train-out)
  --epochs N        passes over the training set (default: 10)
  --hidden N        hidden units (default: 128)
  --batch N         samples per SGD step (default: 64)
  --shards N        gradient shards per batch (default: 4)
  --repeats N       rounds of the three modes; medians shown (default: 3)
  --lr RATE         learning rate (default: 0.3)
  --seed N          seed of every random choice (default: 2014)
  --limit N         train on the first N training samples only
  --threads N       pool / runtime threads (default: the number of cores)
  -h, --help        show this help";

fn main() -> ExitCode {
    let (config, repeats, out) = match parse_args(std::env::args().skip(1)) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("train: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&config, repeats, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("train: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    config: &TrainConfig,
    repeats: usize,
    out: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    config.validate()?;
    println!(
        "spindle train: MLP 64-{}-10 on {}, {} epochs, batches of {} in {} shards, seed {}",
        config.hidden,
        config.data.display(),
        config.epochs,
        config.batch_size,
        config.shards,
        config.seed
    );
    let comparison = compare_modes(config, repeats, true)?;
    let (train, test) = comparison.run.samples;
    println!("samples: {train} training, {test} held out\n");
    print!("{}", comparison.epoch_table());
    println!(
        "final test accuracy: {:.1}%\n",
        comparison.run.final_accuracy() * 100.0
    );
    println!("{comparison}");
    if !comparison.identical {
        return Err("the modes disagree: the reduction order is broken".into());
    }
    if let Some(trace) = &comparison.trace {
        let path = out.join("timeline.svg");
        trace.write_svg(std::io::BufWriter::new(std::fs::File::create(&path)?))?;
        println!("\ntimeline of the overlapped run: {}", path.display());
    }
    println!("checkpoints: {}", config.checkpoints.display());
    Ok(())
}

/// Parses the arguments; `Ok(None)` means help was asked for.
fn parse_args(
    mut args: impl Iterator<Item = String>,
) -> Result<Option<(TrainConfig, usize, PathBuf)>, String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let data = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv"));
    let mut out = PathBuf::from("train-out");
    let mut repeats = 3;
    let mut config = TrainConfig::new(data, out.join("checkpoints"), cores);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--data" => config.data = PathBuf::from(value(&arg)?),
            "--out" => {
                out = PathBuf::from(value(&arg)?);
                config.checkpoints = out.join("checkpoints");
            }
            "--epochs" => config.epochs = number(&arg, &value(&arg)?)?,
            "--hidden" => config.hidden = number(&arg, &value(&arg)?)?,
            "--batch" => config.batch_size = number(&arg, &value(&arg)?)?,
            "--shards" => config.shards = number(&arg, &value(&arg)?)?,
            "--lr" => config.learning_rate = number(&arg, &value(&arg)?)?,
            "--seed" => config.seed = number(&arg, &value(&arg)?)?,
            "--limit" => config.train_limit = Some(number(&arg, &value(&arg)?)?),
            "--repeats" => repeats = number(&arg, &value(&arg)?)?,
            "--threads" => config.threads = number(&arg, &value(&arg)?)?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    config.validate()?;
    if repeats == 0 {
        return Err("--repeats must be at least 1".into());
    }
    Ok(Some((config, repeats, out)))
}

fn number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{name}: {text:?} is not a valid number"))
}
