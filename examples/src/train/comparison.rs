//! The three modes on the same settings, timed, with their weights compared.
//!
//! [`compare_modes`] runs "sequential everything", "parallel gradients only" (a
//! spindle-pool of `threads`) and "parallel gradients plus overlapped loading and
//! evaluation" (a spindle runtime of `threads` workers and blocking threads), `repeats`
//! rounds of the three in turn (so a noisy neighbour on a shared machine slows all three
//! alike), keeps each mode's median wall time, and checks that the three final models are the same bits: the modes change
//! when things run, never what is computed. Its `Display` is the table the example and
//! the tour print.

use std::fmt;
use std::time::Duration;

use spindle::trace::Trace;
use spindle_pool::ThreadPool;

use super::blocking_trainer::train_blocking;
use super::config::{BoxError, EpochReport, TrainConfig, TrainRun};
use super::gradient::Shards;
use super::overlapped::train_overlapped;

/// One mode's result.
#[derive(Clone, Debug)]
pub struct ModeTime {
    /// What the mode does.
    pub name: String,
    /// Its wall time.
    pub wall: Duration,
    /// Its held-out accuracy after the last epoch.
    pub accuracy: f32,
}

/// The three runs side by side.
#[derive(Debug)]
pub struct Comparison {
    /// Sequential, parallel gradients, overlapped: in that order.
    pub modes: Vec<ModeTime>,
    /// The per-epoch figures (the same in every mode; these are the overlapped run's).
    pub epochs: Vec<EpochReport>,
    /// True when all three final models have the same bits.
    pub identical: bool,
    /// The overlapped run's trace, if asked for.
    pub trace: Option<Trace>,
    /// The overlapped run.
    pub run: TrainRun,
}

/// Runs and times the three modes, `repeats` rounds (at least one); see the module doc.
/// With `trace`, the last overlapped run is traced.
pub fn compare_modes(
    config: &TrainConfig,
    repeats: usize,
    trace: bool,
) -> Result<Comparison, BoxError> {
    let pool = ThreadPool::builder()
        .threads(config.threads)
        .thread_name(|i| format!("grad-{i}"))
        .build()?;
    let mut walls: [Vec<Duration>; 3] = Default::default();
    let mut round = || -> Result<_, BoxError> {
        let sequential = train_blocking(config, Shards::Sequential)?;
        let parallel = train_blocking(config, Shards::Pool(&pool))?;
        let (overlapped, trace) = train_overlapped(config, trace)?;
        for (times, run) in walls.iter_mut().zip([&sequential, &parallel, &overlapped]) {
            times.push(run.wall);
        }
        Ok((sequential, parallel, overlapped, trace))
    };
    let (mut sequential, mut parallel, mut overlapped, mut trace) = round()?;
    for _ in 1..repeats {
        (sequential, parallel, overlapped, trace) = round()?;
    }
    pool.shutdown();
    for (times, run) in walls
        .iter_mut()
        .zip([&mut sequential, &mut parallel, &mut overlapped])
    {
        times.sort();
        run.wall = times[times.len() / 2];
    }
    let bits = |run: &TrainRun| -> Vec<u32> {
        run.model.parameters().iter().map(|p| p.to_bits()).collect()
    };
    let identical = bits(&sequential) == bits(&parallel) && bits(&parallel) == bits(&overlapped);
    let t = config.threads;
    let mode = |name: String, run: &TrainRun| ModeTime {
        name,
        wall: run.wall,
        accuracy: run.final_accuracy(),
    };
    Ok(Comparison {
        modes: vec![
            mode("sequential everything".into(), &sequential),
            mode(format!("parallel gradients ({t} pool threads)"), &parallel),
            mode(
                format!("+ overlapped loading & eval ({t}+{t})"),
                &overlapped,
            ),
        ],
        epochs: overlapped.epochs.clone(),
        identical,
        trace,
        run: overlapped,
    })
}

impl Comparison {
    /// The per-epoch table.
    pub fn epoch_table(&self) -> String {
        let mut out = String::from("epoch  train loss  train acc  test loss  test acc\n");
        for e in &self.epochs {
            out.push_str(&format!(
                "{:>5}  {:>10.4}  {:>8.1}%  {:>9.4}  {:>7.1}%\n",
                e.epoch,
                e.train_loss,
                e.train_accuracy * 100.0,
                e.test.loss,
                e.test.accuracy * 100.0
            ));
        }
        out
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "mode                                     wall ms  speedup  test accuracy"
        )?;
        let base = self.modes[0].wall.as_secs_f64();
        for m in &self.modes {
            writeln!(
                f,
                "{:<39}  {:>7.1}  {:>6.2}x  {:>12.1}%",
                m.name,
                m.wall.as_secs_f64() * 1e3,
                base / m.wall.as_secs_f64(),
                m.accuracy * 100.0
            )?;
        }
        write!(
            f,
            "final weights of the three modes identical bit for bit: {}",
            if self.identical { "yes" } else { "NO" }
        )
    }
}
