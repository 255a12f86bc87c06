//! spindle-pool beside rayon (and the `threadpool` crate where it has the operation).
//!
//! `cargo bench -p spindle-benches --bench pool`
//!
//! One criterion group per workload, every pool built ONCE outside the timing loop with
//! the same number of threads (`available_parallelism`), so a group's lines compare the
//! pools on equal terms. The workloads are the ones DESIGN.md lists (see BENCHMARKS.md for
//! the figures and what they mean):
//!
//! | group | what one iteration does |
//! |---|---|
//! | `pool_spawn_many` | 100,000 empty jobs spawned, then all awaited |
//! | `pool_spawn_join_latency` | one job spawned from outside and its result awaited |
//! | `pool_join_recursive` | `join(rec(d - 1), rec(d - 1))` down to depth 16 (65,536 leaves), started on a worker |
//! | `pool_map_f64` | `x.sqrt() * 1.5 + x.sin()` over 10,000,000 f64, collected in order |
//! | `pool_tiles` | the tiles demo's edge filter on a 2000x2000 image, 256-pixel tiles |
//!
//! Where a workload has a natural single-thread baseline (`map`, `tiles`) it is shown as
//! `sequential`, to read the speedup from.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};
use rayon::prelude::*;
use spindle_examples::tiles::{
    EdgeFilter, GrayF32, TileGrid, TileRecord, filter_on_pool, test_image,
};
use spindle_pool::current_cpu;

/// Empty jobs per `pool_spawn_many` iteration (tokio's and rayon's spawn benches use
/// 10^4..10^5).
const SPAWN_MANY: usize = 100_000;
/// Depth of `pool_join_recursive`: 2^16 leaves, 2^16 - 1 joins.
const JOIN_DEPTH: u32 = 16;
/// Elements of `pool_map_f64`.
const MAP_LEN: usize = 10_000_000;
/// Side of the `pool_tiles` image, and of its tiles.
const TILES_SIDE: usize = 2000;
const TILE: usize = 256;

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The three pools, same size, built once for the whole run.
struct Pools {
    spindle: spindle_pool::ThreadPool,
    rayon: rayon::ThreadPool,
    threadpool: threadpool::ThreadPool,
}

impl Pools {
    fn new(threads: usize) -> Pools {
        Pools {
            spindle: spindle_pool::ThreadPool::new(threads).expect("spindle-pool builds"),
            rayon: rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("rayon pool builds"),
            threadpool: threadpool::ThreadPool::new(threads),
        }
    }
}

/// Short runs: the machine is small and shared (see COMMON.md).
fn group<'c>(c: &'c mut Criterion, name: &str, samples: usize) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(samples)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    group
}

fn spawn_many(c: &mut Criterion, pools: &Pools) {
    let mut g = group(c, "pool_spawn_many", 20);
    g.bench_function("spindle_spawn_join", |b| {
        b.iter(|| {
            let handles: Vec<_> = (0..SPAWN_MANY)
                .map(|_| pools.spindle.spawn(|| {}))
                .collect();
            for handle in handles {
                handle.join().expect("empty job does not panic");
            }
        })
    });
    g.bench_function("spindle_scope", |b| {
        b.iter(|| {
            pools.spindle.scope(|s| {
                for _ in 0..SPAWN_MANY {
                    s.spawn(|| {});
                }
            })
        })
    });
    // rayon's `scope` called from outside runs its body on a worker (it `install`s it),
    // so its spawns go to that worker's deque; this is the same shape on spindle.
    g.bench_function("spindle_scope_on_worker", |b| {
        b.iter(|| {
            let pool = &pools.spindle;
            pool.scope(|outer| {
                outer.spawn(|| {
                    pool.scope(|s| {
                        for _ in 0..SPAWN_MANY {
                            s.spawn(|| {});
                        }
                    })
                })
            })
        })
    });
    g.bench_function("rayon_scope", |b| {
        b.iter(|| {
            pools.rayon.scope(|s| {
                for _ in 0..SPAWN_MANY {
                    s.spawn(|_| {});
                }
            })
        })
    });
    g.bench_function("threadpool_execute_join", |b| {
        b.iter(|| {
            let done = AtomicUsize::new(0);
            let done = std::sync::Arc::new(done);
            for _ in 0..SPAWN_MANY {
                let done = done.clone();
                pools.threadpool.execute(move || {
                    done.fetch_add(1, Ordering::Relaxed);
                });
            }
            pools.threadpool.join();
            assert_eq!(done.load(Ordering::Relaxed), SPAWN_MANY);
        })
    });
    g.finish();
}

fn spawn_join_latency(c: &mut Criterion, pools: &Pools) {
    let mut g = group(c, "pool_spawn_join_latency", 20);
    g.bench_function("spindle_spawn_join", |b| {
        b.iter(|| pools.spindle.spawn(|| black_box(1u64)).join().unwrap())
    });
    g.bench_function("spindle_install", |b| {
        b.iter(|| pools.spindle.install(|| black_box(1u64)))
    });
    g.bench_function("rayon_install", |b| {
        b.iter(|| pools.rayon.install(|| black_box(1u64)))
    });
    g.bench_function("rayon_spawn_channel", |b| {
        b.iter(|| {
            let (tx, rx) = mpsc::sync_channel(1);
            pools.rayon.spawn(move || tx.send(black_box(1u64)).unwrap());
            rx.recv().unwrap()
        })
    });
    g.bench_function("threadpool_execute_channel", |b| {
        b.iter(|| {
            let (tx, rx) = mpsc::sync_channel(1);
            pools
                .threadpool
                .execute(move || tx.send(black_box(1u64)).unwrap());
            rx.recv().unwrap()
        })
    });
    g.finish();
}

/// rayon's `join_recursively` shape: all overhead, no work, 2^depth leaves.
fn spindle_rec(pool: &spindle_pool::ThreadPool, depth: u32) {
    if depth == 0 {
        return;
    }
    pool.join(
        || spindle_rec(pool, depth - 1),
        || spindle_rec(pool, depth - 1),
    );
}

fn rayon_rec(depth: u32) {
    if depth == 0 {
        return;
    }
    rayon::join(|| rayon_rec(depth - 1), || rayon_rec(depth - 1));
}

fn join_recursive(c: &mut Criterion, pools: &Pools) {
    let mut g = group(c, "pool_join_recursive", 20);
    // Like rayon's `install`: the recursion starts on a worker, so every join is a
    // worker's join (push b on its own deque, run a, pop b back unless stolen).
    g.bench_function("spindle", |b| {
        b.iter(|| {
            let pool = &pools.spindle;
            pool.scope(|s| s.spawn(|| spindle_rec(pool, JOIN_DEPTH)))
        })
    });
    // `pool.join` called straight from the bench thread: the caller is not a worker, so
    // every level of the recursion takes the from-outside path.
    g.bench_function("spindle_from_caller", |b| {
        b.iter(|| spindle_rec(&pools.spindle, JOIN_DEPTH))
    });
    g.bench_function("rayon", |b| {
        b.iter(|| pools.rayon.install(|| rayon_rec(JOIN_DEPTH)))
    });
    g.finish();
}

fn map_work(x: &f64) -> f64 {
    x.sqrt() * 1.5 + x.sin()
}

fn map_f64(c: &mut Criterion, pools: &Pools) {
    let items: Vec<f64> = (0..MAP_LEN).map(|i| i as f64 * 0.001).collect();
    let mut g = group(c, "pool_map_f64", 10);
    g.bench_function("spindle", |b| {
        b.iter(|| pools.spindle.map(&items, map_work))
    });
    g.bench_function("rayon", |b| {
        b.iter(|| {
            pools
                .rayon
                .install(|| items.par_iter().map(map_work).collect::<Vec<f64>>())
        })
    });
    g.bench_function("sequential", |b| {
        b.iter(|| items.iter().map(map_work).collect::<Vec<f64>>())
    });
    g.finish();
}

/// The tiles demo's driver (`filter_on_pool`) with rayon in place of spindle-pool: same
/// jobs, same per-tile bookkeeping, one scoped job per tile.
fn rayon_filter(
    pool: &rayon::ThreadPool,
    filter: &EdgeFilter,
    src: &GrayF32,
    grid: &TileGrid,
) -> (GrayF32, Vec<TileRecord>) {
    let mut output = GrayF32::new(src.width(), src.height());
    let jobs = grid.jobs(output.pixels_mut());
    let mut records: Vec<TileRecord> = jobs
        .iter()
        .map(|job| TileRecord {
            tile: job.tile(),
            worker: None,
            cpu: None,
            elapsed: Duration::ZERO,
        })
        .collect();
    pool.scope(|s| {
        for (job, record) in jobs.into_iter().zip(records.iter_mut()) {
            s.spawn(move |_| {
                record.worker = rayon::current_thread_index();
                record.cpu = current_cpu();
                let started = Instant::now();
                job.run(filter, src);
                record.elapsed = started.elapsed();
            });
        }
    });
    (output, records)
}

fn tiles(c: &mut Criterion, pools: &Pools) {
    let src = test_image(TILES_SIDE, TILES_SIDE);
    let filter = EdgeFilter::new(EdgeFilter::DEFAULT_SIGMA).unwrap();
    let grid = TileGrid::new(TILES_SIDE, TILES_SIDE, TILE, TILE).unwrap();
    // Both drivers must compute the reference image, or the race means nothing.
    let reference = filter.apply(&src);
    let spindle_run = filter_on_pool(&pools.spindle, &filter, &src, &grid);
    assert_eq!(spindle_run.output.first_bit_difference(&reference), None);
    let (rayon_out, _) = rayon_filter(&pools.rayon, &filter, &src, &grid);
    assert_eq!(rayon_out.first_bit_difference(&reference), None);

    let mut g = group(c, "pool_tiles", 20);
    g.bench_function("spindle", |b| {
        b.iter(|| filter_on_pool(&pools.spindle, &filter, &src, &grid))
    });
    g.bench_function("rayon", |b| {
        b.iter(|| rayon_filter(&pools.rayon, &filter, &src, &grid))
    });
    g.bench_function("sequential", |b| {
        b.iter(|| {
            let mut output = GrayF32::new(TILES_SIDE, TILES_SIDE);
            for job in grid.jobs(output.pixels_mut()) {
                job.run(&filter, &src);
            }
            output
        })
    });
    g.finish();
}

fn pool_benches(c: &mut Criterion) {
    let threads = threads();
    eprintln!("pool benches: {threads} threads for every pool");
    let pools = Pools::new(threads);
    spawn_many(c, &pools);
    spawn_join_latency(c, &pools);
    join_recursive(c, &pools);
    map_f64(c, &pools);
    tiles(c, &pools);
}

criterion_group!(benches, pool_benches);
criterion_main!(benches);
