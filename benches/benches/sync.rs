//! spindle::sync vs tokio::sync, both driven by the same runtime with the same worker
//! count (see [`rt`]), one criterion group per workload.
//!
//! Run: `cargo bench -p spindle-benches --bench sync`.
//!
//! Each workload is written once, as a macro over the library path, so both libraries
//! run exactly the same code. The contended workloads have a third column,
//! `tokio_unconstrained`: tokio's primitives spend tokio's cooperative budget and force
//! a yield every 128 operations on tokio's runtime, while spindle's budget only applies
//! inside spindle tasks, so on this runtime ours never force a yield. Running tokio's
//! tasks under `tokio::task::unconstrained` removes that difference and compares the
//! primitives alone.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;

/// The runtime every workload runs on, for both libraries. spindle's primitives only use
/// `std::task::Waker`, so they run on tokio's executor. To compare on spindle's runtime,
/// change this function and [`spawn`] (the only two places that name the runtime).
fn rt() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build the bench runtime")
}

const PRODUCERS: usize = 5;
const MESSAGES: usize = 1_000;
const TASKS: usize = 8;
const INCREMENTS: usize = 1_000;
const OPS: usize = 1_000;

fn configure<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20)
        .measurement_time(std::time::Duration::from_secs(3))
        .warm_up_time(std::time::Duration::from_secs(1));
    g
}

/// Spawns `fut` on the bench runtime, optionally outside tokio's cooperative budget.
fn spawn<F>(unconstrained: bool, fut: F) -> tokio::task::JoinHandle<()>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    if unconstrained {
        tokio::spawn(tokio::task::unconstrained(fut))
    } else {
        tokio::spawn(fut)
    }
}

/// 5 producers x 1,000 messages into one consumer (`$new` builds the channel).
macro_rules! mpsc_workload {
    ($new:expr, $send:ident, $unconstrained:expr) => {
        async {
            let (tx, mut rx) = $new;
            for _ in 0..PRODUCERS {
                let tx = tx.clone();
                spawn($unconstrained, async move {
                    for i in 0..MESSAGES {
                        mpsc_workload!(@send tx, i, $send);
                    }
                });
            }
            drop(tx);
            let mut n = 0;
            while rx.recv().await.is_some() {
                n += 1;
            }
            assert_eq!(n, PRODUCERS * MESSAGES);
        }
    };
    (@send $tx:ident, $i:ident, bounded) => { $tx.send($i).await.unwrap() };
    (@send $tx:ident, $i:ident, unbounded) => { $tx.send($i).unwrap() };
}

fn mpsc_bounded(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_mpsc_bounded_5x1000_cap100");
    g.bench_function("spindle", |b| {
        b.iter(|| {
            rt.block_on(mpsc_workload!(
                spindle::sync::mpsc::channel::<usize>(100),
                bounded,
                false
            ))
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(mpsc_workload!(
                tokio::sync::mpsc::channel::<usize>(100),
                bounded,
                false
            ))
        })
    });
    g.bench_function("tokio_unconstrained", |b| {
        b.iter(|| {
            rt.block_on(mpsc_workload!(
                tokio::sync::mpsc::channel::<usize>(100),
                bounded,
                true
            ))
        })
    });
    g.finish();
}

fn mpsc_unbounded(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_mpsc_unbounded_5x1000");
    g.bench_function("spindle", |b| {
        b.iter(|| {
            rt.block_on(mpsc_workload!(
                spindle::sync::mpsc::unbounded_channel::<usize>(),
                unbounded,
                false
            ))
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(mpsc_workload!(
                tokio::sync::mpsc::unbounded_channel::<usize>(),
                unbounded,
                false
            ))
        })
    });
    g.finish();
}

/// `TASKS` tasks each doing `INCREMENTS` lock-increment-unlock rounds.
macro_rules! mutex_workload {
    ($mutex:path, $unconstrained:expr) => {
        async {
            let m = Arc::new(<$mutex>::new(0usize));
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let m = m.clone();
                    spawn($unconstrained, async move {
                        for _ in 0..INCREMENTS {
                            *m.lock().await += 1;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(*m.lock().await, TASKS * INCREMENTS);
        }
    };
}

fn mutex_contended(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_mutex_contended_8x1000");
    g.bench_function("spindle", |b| {
        b.iter(|| rt.block_on(mutex_workload!(spindle::sync::Mutex<usize>, false)))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| rt.block_on(mutex_workload!(tokio::sync::Mutex<usize>, false)))
    });
    g.bench_function("tokio_unconstrained", |b| {
        b.iter(|| rt.block_on(mutex_workload!(tokio::sync::Mutex<usize>, true)))
    });
    g.finish();
}

fn semaphore_uncontended(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_semaphore_uncontended_1000");
    g.bench_function("spindle", |b| {
        let sem = spindle::sync::Semaphore::new(1);
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..OPS {
                    drop(sem.acquire().await.unwrap());
                }
            })
        })
    });
    g.bench_function("tokio", |b| {
        let sem = tokio::sync::Semaphore::new(1);
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..OPS {
                    drop(sem.acquire().await.unwrap());
                }
            })
        })
    });
    g.finish();
}

/// `TASKS` tasks each acquiring and releasing one of 2 permits `OPS` times.
macro_rules! semaphore_workload {
    ($sem:path, $unconstrained:expr) => {
        async {
            let sem = Arc::new(<$sem>::new(2));
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let sem = sem.clone();
                    spawn($unconstrained, async move {
                        for _ in 0..OPS {
                            drop(sem.acquire().await.unwrap());
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        }
    };
}

fn semaphore_contended(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_semaphore_contended_8x1000_2permits");
    g.bench_function("spindle", |b| {
        b.iter(|| rt.block_on(semaphore_workload!(spindle::sync::Semaphore, false)))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| rt.block_on(semaphore_workload!(tokio::sync::Semaphore, false)))
    });
    g.bench_function("tokio_unconstrained", |b| {
        b.iter(|| rt.block_on(semaphore_workload!(tokio::sync::Semaphore, true)))
    });
    g.finish();
}

/// `OPS` rounds of: create a oneshot, send, await the receiver.
macro_rules! oneshot_workload {
    ($channel:path) => {
        async {
            for i in 0..OPS {
                let (tx, rx) = $channel();
                tx.send(i).unwrap();
                assert_eq!(rx.await.unwrap(), i);
            }
        }
    };
}

fn oneshot(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_oneshot_create_send_recv_1000");
    g.bench_function("spindle", |b| {
        b.iter(|| rt.block_on(oneshot_workload!(spindle::sync::oneshot::channel)))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| rt.block_on(oneshot_workload!(tokio::sync::oneshot::channel)))
    });
    g.finish();
}

criterion_group!(
    benches,
    mpsc_bounded,
    mpsc_unbounded,
    mutex_contended,
    semaphore_uncontended,
    semaphore_contended,
    oneshot
);
criterion_main!(benches);
