//! What tracing costs the pool: 100,000 empty jobs through `scope`, tracing off and on.
//!
//! `cargo bench -p spindle-benches --bench pool_trace_cost`
//!
//! One group, `pool_trace_cost`, two lines on pools of the same size
//! (`available_parallelism`):
//!
//! | line | pool |
//! |---|---|
//! | `scope_trace_off` | no recorder: each job pays one predictable branch for tracing |
//! | `scope_trace_on` | `Builder::trace(recorder)`: each job records JobStart (with `sched_getcpu`) and JobEnd |
//!
//! A traced run keeps every event (32 bytes, two per job: 6.4 MB per iteration), so each
//! iteration gets a fresh pool — and, for equal terms, so does the untraced line. Building
//! the pool is setup and dropping it happens after the timing (`iter_batched`), so the
//! figures are the scope alone. The third configuration, the hooks compiled out
//! (`--no-default-features` on spindle-pool), cannot share a binary with these two (cargo
//! unifies features); `scope_trace_off` against it is the "one branch" cost.

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use spindle_pool::ThreadPool;
use spindle_pool::trace::Recorder;

/// Empty jobs per iteration, as in `pool_spawn_many`.
const JOBS: usize = 100_000;

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Runs `JOBS` empty jobs in one scope and hands the pool back, so that dropping it
/// (joining its threads) is not timed.
fn scope_many(pool: ThreadPool) -> ThreadPool {
    pool.scope(|s| {
        for _ in 0..JOBS {
            s.spawn(|| {});
        }
    });
    pool
}

fn trace_cost(c: &mut Criterion) {
    let mut g = c.benchmark_group("pool_trace_cost");
    g.sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("scope_trace_off", |b| {
        b.iter_batched(
            || ThreadPool::new(threads()).expect("pool builds"),
            scope_many,
            BatchSize::PerIteration,
        )
    });
    g.bench_function("scope_trace_on", |b| {
        b.iter_batched(
            || {
                ThreadPool::builder()
                    .threads(threads())
                    .trace(Recorder::new())
                    .build()
                    .expect("pool builds")
            },
            scope_many,
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, trace_cost);
criterion_main!(benches);
