//! What tracing costs: spindle's `spawn_many_local` and `yield_many` (the workloads of
//! `rt_multi_thread.rs`, 2 workers) with tracing off and on, in one group per workload.
//!
//! Run both builds; the second measures the hooks compiled out under its own bench id:
//! ```text
//! cargo bench -p spindle-benches --bench trace_cost                        # off, on
//! cargo bench -p spindle-benches --bench trace_cost --no-default-features  # compiled_out
//! ```
//! Targets (issue 6): `off` within 2% of `compiled_out` (untraced, a hook is one
//! predictable branch); `on` within 30% of `off`.
//!
//! A traced runtime keeps every event in memory (~40 B each; `yield_many` records ~600,000
//! per iteration), so each variant runs on a fresh runtime every [`ITERS_PER_RUNTIME`]
//! iterations, building and dropping it outside the timed section; untraced variants
//! follow the same procedure so the columns stay comparable.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

const WORKERS: usize = 2;
const NUM_SPAWN: usize = 10_000;
const NUM_YIELD: usize = 1_000;
const YIELD_TASKS: usize = 200;
/// Iterations per runtime before it is rebuilt (bounds a traced runtime's memory).
const ITERS_PER_RUNTIME: u64 = 2;

fn runtime(traced: bool) -> spindle::Runtime {
    spindle::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .trace(traced)
        .build()
        .unwrap()
}

/// Inside block_on, one task spawns 10,000 tasks (local to its worker) that each
/// decrement a counter; the last one signals done.
fn spawn_many_local(rt: &spindle::Runtime) {
    let (tx, rx) = mpsc::sync_channel(1);
    let rem = Arc::new(AtomicUsize::new(NUM_SPAWN));
    rt.block_on(async move {
        spindle::spawn(async move {
            for _ in 0..NUM_SPAWN {
                let (tx, rem) = (tx.clone(), rem.clone());
                spindle::spawn(async move {
                    if 1 == rem.fetch_sub(1, Relaxed) {
                        tx.send(()).unwrap();
                    }
                });
            }
        });
        rx.recv().unwrap();
    });
}

/// 200 tasks x 1,000 `yield_now` each, spawned from outside.
fn yield_many(rt: &spindle::Runtime) {
    let (tx, rx) = mpsc::sync_channel(YIELD_TASKS);
    for _ in 0..YIELD_TASKS {
        let tx = tx.clone();
        rt.spawn(async move {
            for _ in 0..NUM_YIELD {
                spindle::task::yield_now().await;
            }
            tx.send(()).unwrap();
        });
    }
    for _ in 0..YIELD_TASKS {
        rx.recv().unwrap();
    }
}

/// Times `iters` runs of `work`, on a fresh runtime every `ITERS_PER_RUNTIME`.
fn timed(iters: u64, traced: bool, work: fn(&spindle::Runtime)) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(ITERS_PER_RUNTIME);
        let rt = runtime(traced);
        let start = Instant::now();
        for _ in 0..n {
            work(&rt);
        }
        total += start.elapsed();
        drop(rt);
        left -= n;
    }
    total
}

fn bench(c: &mut Criterion, name: &str, work: fn(&spindle::Runtime)) {
    let mut g = c.benchmark_group(format!("trace_cost_{name}"));
    g.sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    if cfg!(feature = "trace") {
        g.bench_function("off", |b| b.iter_custom(|iters| timed(iters, false, work)));
        g.bench_function("on", |b| b.iter_custom(|iters| timed(iters, true, work)));
    } else {
        g.bench_function("compiled_out", |b| {
            b.iter_custom(|iters| timed(iters, false, work))
        });
    }
    g.finish();
}

fn trace_cost(c: &mut Criterion) {
    bench(c, "spawn_many_local", spawn_many_local);
    bench(c, "yield_many", yield_many);
}

criterion_group!(benches, trace_cost);
criterion_main!(benches);
