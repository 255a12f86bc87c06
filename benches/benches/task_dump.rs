//! What a task dump costs: `Handle::dump()` (the walk) and `Handle::dump().to_string()`
//! (walk and table) on a 2-worker runtime holding N idle tasks, each parked in a
//! `sleep`, so the walk visits N tasks while the runtime runs.
//!
//! ```text
//! cargo bench -p spindle-benches --bench task_dump
//! ```

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("task_dump");
    for n in [100usize, 1_000, 10_000] {
        let rt = spindle::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let handles: Vec<_> = (0..n)
            .map(|_| rt.spawn(async { spindle::time::sleep(Duration::from_secs(3600)).await }))
            .collect();
        // Every task has run to its Pending before we measure.
        while rt.dump().tasks.iter().any(|t| t.polls == 0) {
            std::thread::yield_now();
        }
        group.bench_with_input(BenchmarkId::new("walk", n), &n, |b, _| {
            b.iter(|| rt.dump().len())
        });
        group.bench_with_input(BenchmarkId::new("walk_and_format", n), &n, |b, _| {
            b.iter(|| rt.dump().to_string().len())
        });
        drop(handles);
        drop(rt);
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
