//! What a queue bound costs: spindle-pool with `queue_capacity(64)`, `(1024)` and
//! unbounded, 100,000 tiny jobs spawned from outside the pool with handles, then all
//! joined (the `pool_spawn_many/spindle_spawn_join` workload).
//!
//! `cargo bench -p spindle-benches --bench pool_backpressure`
//!
//! Every pool has the same number of threads (`available_parallelism`) and is built once
//! outside the timing loop. With a bound, the spawning thread blocks whenever the queue
//! is full and is woken as workers start jobs: the figures show what that hand-off costs
//! against letting the queue grow to 100,000 entries. See BENCHMARKS.md.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

const JOBS: usize = 100_000;

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn spawn_join_all(pool: &spindle_pool::ThreadPool) {
    let handles: Vec<_> = (0..JOBS).map(|_| pool.spawn(|| {})).collect();
    for handle in handles {
        handle.join().expect("empty job does not panic");
    }
}

fn bounded_vs_unbounded(c: &mut Criterion) {
    let mut g = c.benchmark_group("pool_backpressure");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    let build = |capacity: Option<usize>| {
        let b = spindle_pool::ThreadPool::builder().threads(threads());
        match capacity {
            Some(n) => b.queue_capacity(n),
            None => b,
        }
        .build()
        .expect("pool builds")
    };
    for (name, capacity) in [
        ("unbounded", None),
        ("capacity_1024", Some(1024)),
        ("capacity_64", Some(64)),
    ] {
        let pool = build(capacity);
        g.bench_function(name, |b| b.iter(|| spawn_join_all(&pool)));
        eprintln!("{name}: {}", pool.stats());
    }
    g.finish();
}

criterion_group!(benches, bounded_vs_unbounded);
criterion_main!(benches);
