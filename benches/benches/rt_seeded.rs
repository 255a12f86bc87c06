//! The cost of `Builder::rng_seed` on a current-thread runtime: `yield_many` (1,000
//! tasks x 100 yields) and `spawn_many` (1,000 spawned tasks, awaited), each without a
//! seed (the FIFO path) and with one (a uniform pick over the run queue per task).
//! Runs alternate unseeded / seeded / unseeded / seeded (the `round` suffix), so a
//! shift in the shared machine's load shows as a difference between rounds.
//!
//! Run: `cargo bench -p spindle-benches --bench rt_seeded`.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

const TASKS: usize = 1_000;

fn runtime(seed: Option<u64>) -> spindle::Runtime {
    let mut b = spindle::runtime::Builder::new_current_thread();
    if let Some(s) = seed {
        b.rng_seed(s);
    }
    b.build().unwrap()
}

fn yield_many(rt: &spindle::Runtime) {
    rt.block_on(async {
        let hs: Vec<_> = (0..TASKS)
            .map(|_| {
                spindle::spawn(async {
                    for _ in 0..100 {
                        spindle::task::yield_now().await;
                    }
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
}

fn spawn_many(rt: &spindle::Runtime) {
    rt.block_on(async {
        let hs: Vec<_> = (0..TASKS)
            .map(|i| spindle::spawn(async move { i }))
            .collect();
        for h in hs {
            std::hint::black_box(h.await.unwrap());
        }
    });
}

fn benches(c: &mut Criterion) {
    for (name, work) in [
        ("ct_seed/yield_many", yield_many as fn(&spindle::Runtime)),
        ("ct_seed/spawn_many", spawn_many),
    ] {
        let mut g = c.benchmark_group(name);
        g.sample_size(20)
            .measurement_time(Duration::from_secs(2))
            .warm_up_time(Duration::from_millis(500));
        for round in 1..=2 {
            for (label, seed) in [("unseeded", None), ("seeded", Some(7))] {
                let rt = runtime(seed);
                g.bench_function(format!("{label}/{round}"), |b| b.iter(|| work(&rt)));
            }
        }
        g.finish();
    }
}

criterion_group!(rt_seeded, benches);
criterion_main!(rt_seeded);
