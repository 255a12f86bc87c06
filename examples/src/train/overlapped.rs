//! "Parallel gradients plus overlapped loading and evaluation": the trainer as spindle
//! tasks, so the data pipeline, the scoring and the checkpoints run while it trains.
//!
//! ```text
//!  load task ──batches──▶ [bounded mpsc, `prefetch` slots] ──▶ train task
//!   read chunks, parse,                                        per batch: one blocking-pool
//!   split, then per epoch:                                     job per shard, awaited in
//!   shuffle, shift, pack                                       shard order, reduce, step
//!                                                              per epoch end: snapshot ─┬─▶ eval task (blocking-pool job)
//!                                                                                       └─▶ checkpoint task (file write)
//! ```
//!
//! * **Loading overlaps compute.** The `load` task reads the file in chunks of
//!   `chunk_bytes`, feeding [`CsvParser`](super::digits::CsvParser) as they arrive, and
//!   then produces each epoch's batches ([`EpochBatches`]) and `send`s them into a bounded
//!   channel. While the trainer waits on a batch's shards, the loader assembles the next
//!   ones; when `prefetch` batches are waiting, `send` suspends the loader until the
//!   trainer takes one (backpressure: memory stays bounded however fast the loader is).
//!   Files go through `spindle::fs`, whose calls run on the blocking pool: a regular file
//!   is always "ready" to epoll, so file I/O cannot wait in the event loop like a socket.
//! * **Gradients in parallel.** The `train` task cuts each batch into the same shards as
//!   the other modes and runs each as a job on the runtime's blocking pool (a
//!   spindle-pool), then awaits the handles *in shard order* and reduces them in that
//!   order, so the sum has the same bits as the sequential one ([`super::gradient`]).
//!   Awaiting frees the worker thread for the loader and the evaluations meanwhile.
//! * **Evaluation and checkpoints beside the next epoch.** At an epoch's end the trainer
//!   clones the `Arc` of the weights (a snapshot, no copy) and spawns an `eval` task and a
//!   `checkpoint` task on it, then goes straight on with the next epoch. The next step
//!   calls `Arc::make_mut`, which copies the weights once if a snapshot is still in use
//!   (copy on write), so a snapshot never changes under its readers.
//!
//! Nothing here changes *what* is computed, only *when*, so the final weights equal the
//! sequential run's bit for bit (the tests check it).

use std::io;
use std::sync::Arc;
use std::time::Instant;

use spindle::io::AsyncReadExt;
use spindle::runtime::Builder;
use spindle::sync::mpsc;
use spindle::task::{self, JoinHandle};
use spindle::trace::Trace;

use super::batches::{Batch, EpochBatches};
use super::checkpoint;
use super::config::{BoxError, EpochTally, TrainConfig, TrainRun};
use super::digits::{CsvParser, Dataset};
use super::evaluation::{Score, evaluate};
use super::gradient::{GradientSum, apply, reduce, shard_gradient, shard_ranges};
use super::model::Mlp;

/// What the loader sends the trainer, in this order: the held-out set, then each epoch's
/// batches followed by its end.
enum Message {
    HeldOut(Arc<Dataset>, usize),
    Batch(Batch),
    EndOfEpoch(usize),
}

/// Trains as configured on a runtime of `config.threads` workers and as many blocking
/// threads; with `trace`, also returns the runtime's trace (the timeline picture).
pub fn train_overlapped(
    config: &TrainConfig,
    trace: bool,
) -> Result<(TrainRun, Option<Trace>), BoxError> {
    config.validate()?;
    let start = Instant::now();
    let rt = Builder::new_multi_thread()
        .worker_threads(config.threads)
        .blocking_threads(config.threads)
        .thread_name("train-rt")
        .trace(trace)
        .build()?;
    let run = rt.block_on(pipeline(config.clone()));
    // Every thread flushes its trace lane when it exits: snapshot after the drop.
    let handle = rt.handle().clone();
    drop(rt);
    let mut run = run?;
    run.wall = start.elapsed();
    Ok((run, handle.trace_snapshot()))
}

async fn pipeline(config: TrainConfig) -> Result<TrainRun, BoxError> {
    spindle::fs::create_dir_all(&config.checkpoints).await?;
    let (tx, rx) = mpsc::channel(config.prefetch);
    let loader = task::Builder::new()
        .name("load")
        .spawn(load(config.clone(), tx))?;
    let trainer = task::Builder::new()
        .name("train")
        .spawn(train(config, rx))?;
    // The trainer ends when the loader's channel closes; a loader error closes it early,
    // so report the loader's error first: it is the cause.
    let loaded = loader.await?;
    let trained = trainer.await?;
    loaded?;
    trained
}

/// The `load` task: file to samples in chunks, then every epoch's batches.
async fn load(config: TrainConfig, tx: mpsc::Sender<Message>) -> Result<(), String> {
    let all = read_in_chunks(&config).await?;
    let (train, test) = config.prepare(&all)?;
    let closed = |_| "the trainer stopped early".to_string();
    tx.send(Message::HeldOut(Arc::new(test), train.len()))
        .await
        .map_err(closed)?;
    for epoch in 0..config.epochs {
        for batch in EpochBatches::new(&train, epoch, config.batch_size, config.seed) {
            tx.send(Message::Batch(batch)).await.map_err(closed)?;
        }
        tx.send(Message::EndOfEpoch(epoch)).await.map_err(closed)?;
    }
    Ok(())
}

/// Reads the data file with `spindle::fs`, `chunk_bytes` at a time, parsing each chunk
/// as it arrives. (`spindle::fs::File` runs its reads on the blocking pool, reading ahead
/// 64 KiB at a time, so most of these reads are served from its buffer.)
async fn read_in_chunks(config: &TrainConfig) -> Result<Dataset, String> {
    let describe = |e: io::Error| format!("cannot read {}: {e}", config.data.display());
    let mut file = spindle::fs::File::open(&config.data)
        .await
        .map_err(describe)?;
    let mut parser = CsvParser::new();
    let mut chunk = vec![0; config.chunk_bytes];
    loop {
        let n = file.read(&mut chunk).await.map_err(describe)?;
        if n == 0 {
            return parser.finish().map_err(|e| e.to_string());
        }
        parser.push(&chunk[..n]).map_err(|e| e.to_string())?;
    }
}

/// The `train` task.
async fn train(config: TrainConfig, mut rx: mpsc::Receiver<Message>) -> Result<TrainRun, BoxError> {
    let (test, train_samples) = match rx.recv().await {
        Some(Message::HeldOut(test, n)) => (test, n),
        _ => return Err("the loader stopped before sending any data".into()),
    };
    let mut model = Arc::new(config.initial_model());
    let mut tally = EpochTally::default();
    let mut tallies = Vec::with_capacity(config.epochs);
    let mut evaluations: Vec<JoinHandle<io::Result<Score>>> = Vec::new();
    let mut checkpoints: Vec<JoinHandle<io::Result<()>>> = Vec::new();
    while let Some(message) = rx.recv().await {
        match message {
            Message::HeldOut(..) => return Err("the held-out set came twice".into()),
            Message::Batch(batch) => {
                let sum = parallel_gradient(&model, Arc::new(batch), config.shards).await?;
                apply(Arc::make_mut(&mut model), &sum, config.learning_rate);
                tally.add(sum.loss, sum.correct, sum.samples);
            }
            Message::EndOfEpoch(epoch) => {
                tallies.push(std::mem::take(&mut tally));
                let (snapshot, test) = (model.clone(), test.clone());
                evaluations.push(task::Builder::new().name("eval").spawn(async move {
                    let job = task::Builder::new()
                        .name("score")
                        .spawn_blocking(move || evaluate(&snapshot, &test))?;
                    Ok(job.await?)
                })?);
                let (snapshot, path) = (model.clone(), config.checkpoint_path(epoch + 1));
                checkpoints.push(task::Builder::new().name("checkpoint").spawn(async move {
                    spindle::fs::write(&path, checkpoint::encode(&snapshot, epoch + 1)).await
                })?);
            }
        }
    }
    let mut epochs = Vec::with_capacity(tallies.len());
    for (i, (tally, score)) in tallies.iter().zip(evaluations).enumerate() {
        epochs.push(tally.report(i + 1, score.await??));
    }
    for written in checkpoints {
        written.await??;
    }
    if epochs.len() != config.epochs {
        return Err(format!(
            "the loader sent {} of {} epochs",
            epochs.len(),
            config.epochs
        )
        .into());
    }
    let model: Mlp = Arc::unwrap_or_clone(model);
    Ok(TrainRun {
        model,
        epochs,
        wall: Default::default(),
        samples: (train_samples, test.len()),
    })
}

/// One blocking-pool job per shard, awaited and reduced in shard order.
async fn parallel_gradient(
    model: &Arc<Mlp>,
    batch: Arc<Batch>,
    shards: usize,
) -> io::Result<GradientSum> {
    let mut jobs = Vec::with_capacity(shards);
    for range in shard_ranges(batch.len(), shards) {
        let (model, batch) = (model.clone(), batch.clone());
        jobs.push(
            task::Builder::new()
                .name("gradient")
                .spawn_blocking(move || shard_gradient(&model, &batch, range))?,
        );
    }
    let mut sums = Vec::with_capacity(jobs.len());
    for job in jobs {
        sums.push(job.await?);
    }
    Ok(reduce(sums))
}
