//! spindle::sync vs tokio::sync, both driven by the same runtime with the same worker
//! count (see [`rt`]), one criterion group per workload.
//!
//! Run: `cargo bench -p spindle-benches --bench sync`.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;

/// The runtime every workload runs on, for both libraries. spindle's primitives only use
/// `std::task::Waker`, so they run on tokio's executor; when spindle's own runtime is
/// ready, change this one function to compare on it.
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

fn mpsc_bounded(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_mpsc_bounded_5x1000_cap100");
    g.bench_function("spindle", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, mut rx) = spindle::sync::mpsc::channel::<usize>(100);
                for _ in 0..PRODUCERS {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        for i in 0..MESSAGES {
                            tx.send(i).await.unwrap();
                        }
                    });
                }
                drop(tx);
                let mut n = 0;
                while rx.recv().await.is_some() {
                    n += 1;
                }
                assert_eq!(n, PRODUCERS * MESSAGES);
            })
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::channel::<usize>(100);
                for _ in 0..PRODUCERS {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        for i in 0..MESSAGES {
                            tx.send(i).await.unwrap();
                        }
                    });
                }
                drop(tx);
                let mut n = 0;
                while rx.recv().await.is_some() {
                    n += 1;
                }
                assert_eq!(n, PRODUCERS * MESSAGES);
            })
        })
    });
    g.finish();
}

fn mpsc_unbounded(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_mpsc_unbounded_5x1000");
    g.bench_function("spindle", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, mut rx) = spindle::sync::mpsc::unbounded_channel::<usize>();
                for _ in 0..PRODUCERS {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        for i in 0..MESSAGES {
                            tx.send(i).unwrap();
                        }
                    });
                }
                drop(tx);
                let mut n = 0;
                while rx.recv().await.is_some() {
                    n += 1;
                }
                assert_eq!(n, PRODUCERS * MESSAGES);
            })
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
                for _ in 0..PRODUCERS {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        for i in 0..MESSAGES {
                            tx.send(i).unwrap();
                        }
                    });
                }
                drop(tx);
                let mut n = 0;
                while rx.recv().await.is_some() {
                    n += 1;
                }
                assert_eq!(n, PRODUCERS * MESSAGES);
            })
        })
    });
    g.finish();
}

fn mutex_contended(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_mutex_contended_8x1000");
    g.bench_function("spindle", |b| {
        b.iter(|| {
            rt.block_on(async {
                let m = Arc::new(spindle::sync::Mutex::new(0usize));
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let m = m.clone();
                        tokio::spawn(async move {
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
            })
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let m = Arc::new(tokio::sync::Mutex::new(0usize));
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let m = m.clone();
                        tokio::spawn(async move {
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
            })
        })
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

fn semaphore_contended(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_semaphore_contended_8x1000_2permits");
    g.bench_function("spindle", |b| {
        b.iter(|| {
            rt.block_on(async {
                let sem = Arc::new(spindle::sync::Semaphore::new(2));
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let sem = sem.clone();
                        tokio::spawn(async move {
                            for _ in 0..OPS {
                                drop(sem.acquire().await.unwrap());
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let sem = Arc::new(tokio::sync::Semaphore::new(2));
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let sem = sem.clone();
                        tokio::spawn(async move {
                            for _ in 0..OPS {
                                drop(sem.acquire().await.unwrap());
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    });
    g.finish();
}

fn oneshot(c: &mut Criterion) {
    let rt = rt();
    let mut g = configure(c, "sync_oneshot_create_send_recv_1000");
    g.bench_function("spindle", |b| {
        b.iter(|| {
            rt.block_on(async {
                for i in 0..OPS {
                    let (tx, rx) = spindle::sync::oneshot::channel();
                    tx.send(i).unwrap();
                    assert_eq!(rx.await.unwrap(), i);
                }
            })
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                for i in 0..OPS {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    tx.send(i).unwrap();
                    assert_eq!(rx.await.unwrap(), i);
                }
            })
        })
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
