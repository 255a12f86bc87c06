//! spindle vs tokio on tokio's own multi-thread scheduler workloads
//! (`tokio/benches/rt_multi_threaded.rs`), both with 2 worker threads.
//!
//! Run: `cargo bench -p spindle-benches --bench rt_multi_thread`. After each spindle
//! workload the runtime's counters (parks/unparks) are printed to stderr.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use spindle_benches::{oneshot, stall};

const WORKERS: usize = 2;
const NUM_SPAWN: usize = 10_000;

fn spindle_rt() -> spindle::Runtime {
    spindle::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .unwrap()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

fn report(name: &str, rt: &spindle::Runtime) {
    let t = rt.stats().total();
    eprintln!(
        "[spindle {name}] polls={} steals={} stolen={} parks={} unparks={}",
        t.polls, t.steals, t.stolen, t.parks, t.unparks
    );
}

/// Generates the same workload for both runtimes (their APIs have the same shape).
macro_rules! both {
    ($c:expr, $name:literal, |$rt:ident, $b:ident| $spindle:block, |$trt:ident, $tb:ident| $tokio:block) => {{
        let mut g = $c.benchmark_group($name);
        g.sample_size(20)
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_secs(1));
        let $rt = spindle_rt();
        g.bench_function("spindle", |$b| $spindle);
        report($name, &$rt);
        drop($rt);
        let $trt = tokio_rt();
        g.bench_function("tokio", |$tb| $tokio);
        drop($trt);
        g.finish();
    }};
}

macro_rules! spawn_many_local {
    ($rt:expr, $spawn:path) => {{
        let (tx, rx) = mpsc::sync_channel(1000);
        let rem = Arc::new(AtomicUsize::new(0));
        {
            let rt = &$rt;
            move || {
                rem.store(NUM_SPAWN, Relaxed);
                let (tx, rem) = (tx.clone(), rem.clone());
                rt.block_on(async {
                    // Spawned from a task, so the spawns are local to a worker.
                    $spawn(async move {
                        for _ in 0..NUM_SPAWN {
                            let (tx, rem) = (tx.clone(), rem.clone());
                            $spawn(async move {
                                if 1 == rem.fetch_sub(1, Relaxed) {
                                    tx.send(()).unwrap();
                                }
                            });
                        }
                    });
                    rx.recv().unwrap();
                })
            }
        }
    }};
}

macro_rules! spawn_many_remote {
    ($rt:expr) => {{
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        {
            let rt = &$rt;
            move || {
                for _ in 0..NUM_SPAWN {
                    handles.push(rt.spawn(async {}));
                }
                rt.block_on(async {
                    for h in handles.drain(..) {
                        h.await.unwrap();
                    }
                });
            }
        }
    }};
}

macro_rules! busy_tasks {
    ($rt:expr, $yield_now:path) => {{
        let flag = Arc::new(AtomicBool::new(true));
        for _ in 0..8 {
            let flag = flag.clone();
            $rt.spawn(async move {
                while flag.load(Relaxed) {
                    $yield_now().await;
                    stall();
                }
            });
        }
        flag
    }};
}

macro_rules! ping_pong {
    ($rt:expr, $spawn:path) => {{
        const NUM_PINGS: usize = 1_000;
        let (done_tx, done_rx) = mpsc::sync_channel(1000);
        let rem = Arc::new(AtomicUsize::new(0));
        {
            let rt = &$rt;
            move || {
                let (done_tx, rem) = (done_tx.clone(), rem.clone());
                rem.store(NUM_PINGS, Relaxed);
                rt.block_on(async {
                    $spawn(async move {
                        for _ in 0..NUM_PINGS {
                            let (rem, done_tx) = (rem.clone(), done_tx.clone());
                            $spawn(async move {
                                let (tx1, rx1) = oneshot::<()>();
                                let (tx2, rx2) = oneshot::<()>();
                                $spawn(async move {
                                    rx1.await;
                                    tx2.send(());
                                });
                                tx1.send(());
                                rx2.await;
                                if 1 == rem.fetch_sub(1, Relaxed) {
                                    done_tx.send(()).unwrap();
                                }
                            });
                        }
                    });
                    done_rx.recv().unwrap();
                });
            }
        }
    }};
}

macro_rules! yield_many {
    ($rt:expr, $yield_now:path) => {{
        const NUM_YIELD: usize = 1_000;
        const TASKS: usize = 200;
        let (tx, rx) = mpsc::sync_channel(TASKS);
        {
            let rt = &$rt;
            move || {
                for _ in 0..TASKS {
                    let tx = tx.clone();
                    rt.spawn(async move {
                        for _ in 0..NUM_YIELD {
                            $yield_now().await;
                        }
                        tx.send(()).unwrap();
                    });
                }
                for _ in 0..TASKS {
                    rx.recv().unwrap();
                }
            }
        }
    }};
}

macro_rules! chained_spawn {
    ($rt:expr, $spawn:path) => {{
        const ITER: usize = 1_000;
        fn iter(done_tx: mpsc::SyncSender<()>, n: usize) {
            if n == 0 {
                done_tx.send(()).unwrap();
            } else {
                $spawn(async move { iter(done_tx, n - 1) });
            }
        }
        let (done_tx, done_rx) = mpsc::sync_channel(1000);
        {
            let rt = &$rt;
            move || {
                let done_tx = done_tx.clone();
                rt.block_on(async {
                    $spawn(async move { iter(done_tx, ITER) });
                    done_rx.recv().unwrap();
                });
            }
        }
    }};
}

fn benches(c: &mut Criterion) {
    both!(
        c,
        "mt/spawn_many_local",
        |rt, b| {
            let mut f = spawn_many_local!(rt, spindle::spawn);
            b.iter(&mut f)
        },
        |trt, b| {
            let mut f = spawn_many_local!(trt, tokio::spawn);
            b.iter(&mut f)
        }
    );
    both!(
        c,
        "mt/spawn_many_remote_idle",
        |rt, b| {
            let mut f = spawn_many_remote!(rt);
            b.iter(&mut f)
        },
        |trt, b| {
            let mut f = spawn_many_remote!(trt);
            b.iter(&mut f)
        }
    );
    both!(
        c,
        "mt/spawn_many_remote_busy1",
        |rt, b| {
            let flag = busy_tasks!(rt, spindle::task::yield_now);
            let mut f = spawn_many_remote!(rt);
            b.iter(&mut f);
            flag.store(false, Relaxed);
        },
        |trt, b| {
            let flag = busy_tasks!(trt, tokio::task::yield_now);
            let mut f = spawn_many_remote!(trt);
            b.iter(&mut f);
            flag.store(false, Relaxed);
        }
    );
    both!(
        c,
        "mt/ping_pong",
        |rt, b| {
            let mut f = ping_pong!(rt, spindle::spawn);
            b.iter(&mut f)
        },
        |trt, b| {
            let mut f = ping_pong!(trt, tokio::spawn);
            b.iter(&mut f)
        }
    );
    both!(
        c,
        "mt/yield_many",
        |rt, b| {
            let mut f = yield_many!(rt, spindle::task::yield_now);
            b.iter(&mut f)
        },
        |trt, b| {
            let mut f = yield_many!(trt, tokio::task::yield_now);
            b.iter(&mut f)
        }
    );
    both!(
        c,
        "mt/spawn_blocking",
        |rt, b| { b.iter(|| rt.block_on(rt.spawn_blocking(|| 1)).unwrap()) },
        |trt, b| { b.iter(|| trt.block_on(trt.spawn_blocking(|| 1)).unwrap()) }
    );
    both!(
        c,
        "mt/chained_spawn",
        |rt, b| {
            let mut f = chained_spawn!(rt, spindle::spawn);
            b.iter(&mut f)
        },
        |trt, b| {
            let mut f = chained_spawn!(trt, tokio::spawn);
            b.iter(&mut f)
        }
    );
}

criterion_group!(rt_multi_thread, benches);
criterion_main!(rt_multi_thread);
