//! spindle vs tokio on current-thread runtimes (1,000 tasks per workload), plus
//! `block_on` of a ready future on both flavours.
//!
//! Run: `cargo bench -p spindle-benches --bench rt_current_thread`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use spindle_benches::oneshot;

const TASKS: usize = 1_000;

fn spindle_ct() -> spindle::Runtime {
    spindle::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn tokio_ct() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn report(name: &str, rt: &spindle::Runtime) {
    let t = rt.stats().total();
    eprintln!(
        "[spindle {name}] polls={} parks={} unparks={}",
        t.polls, t.parks, t.unparks
    );
}

macro_rules! both {
    ($c:expr, $name:literal, $mk_s:expr, $mk_t:expr, |$rt:ident, $b:ident| $spindle:block, |$trt:ident, $tb:ident| $tokio:block) => {{
        let mut g = $c.benchmark_group($name);
        g.sample_size(20)
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_secs(1));
        let $rt = $mk_s;
        g.bench_function("spindle", |$b| $spindle);
        report($name, &$rt);
        drop($rt);
        let $trt = $mk_t;
        g.bench_function("tokio", |$tb| $tokio);
        drop($trt);
        g.finish();
    }};
}

macro_rules! spawn_many_local {
    ($rt:expr, $spawn:path) => {
        || {
            $rt.block_on(async {
                let rem = Arc::new(AtomicUsize::new(TASKS));
                let (tx, rx) = oneshot::<()>();
                let tx = Arc::new(std::sync::Mutex::new(Some(tx)));
                for _ in 0..TASKS {
                    let (rem, tx) = (rem.clone(), tx.clone());
                    $spawn(async move {
                        if 1 == rem.fetch_sub(1, Relaxed) {
                            tx.lock().unwrap().take().unwrap().send(());
                        }
                    });
                }
                rx.await
            })
        }
    };
}

macro_rules! spawn_many_remote {
    ($rt:expr) => {{
        let mut handles = Vec::with_capacity(TASKS);
        {
            let rt = &$rt;
            move || {
                for _ in 0..TASKS {
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

macro_rules! ping_pong {
    ($rt:expr, $spawn:path) => {
        || {
            $rt.block_on(async {
                let mut hs = Vec::with_capacity(TASKS);
                for _ in 0..TASKS {
                    hs.push($spawn(async move {
                        let (tx1, rx1) = oneshot::<()>();
                        let (tx2, rx2) = oneshot::<()>();
                        $spawn(async move {
                            rx1.await;
                            tx2.send(());
                        });
                        tx1.send(());
                        rx2.await;
                    }));
                }
                for h in hs {
                    h.await.unwrap();
                }
            })
        }
    };
}

macro_rules! yield_many {
    ($rt:expr, $spawn:path, $yield_now:path) => {
        || {
            $rt.block_on(async {
                let hs: Vec<_> = (0..TASKS)
                    .map(|_| {
                        $spawn(async {
                            for _ in 0..100 {
                                $yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
        }
    };
}

macro_rules! chained_spawn {
    ($rt:expr, $spawn:path) => {{
        fn iter(done: spindle_benches::Sender<()>, n: usize) {
            if n == 0 {
                done.send(());
            } else {
                $spawn(async move { iter(done, n - 1) });
            }
        }
        || {
            $rt.block_on(async {
                let (tx, rx) = oneshot();
                $spawn(async move { iter(tx, TASKS) });
                rx.await
            })
        }
    }};
}

fn benches(c: &mut Criterion) {
    both!(
        c,
        "ct/spawn_many_local",
        spindle_ct(),
        tokio_ct(),
        |rt, b| { b.iter(spawn_many_local!(rt, spindle::spawn)) },
        |trt, b| { b.iter(spawn_many_local!(trt, tokio::spawn)) }
    );
    both!(
        c,
        "ct/spawn_many_remote_idle",
        spindle_ct(),
        tokio_ct(),
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
        "ct/ping_pong",
        spindle_ct(),
        tokio_ct(),
        |rt, b| { b.iter(ping_pong!(rt, spindle::spawn)) },
        |trt, b| { b.iter(ping_pong!(trt, tokio::spawn)) }
    );
    both!(
        c,
        "ct/yield_many",
        spindle_ct(),
        tokio_ct(),
        |rt, b| { b.iter(yield_many!(rt, spindle::spawn, spindle::task::yield_now)) },
        |trt, b| { b.iter(yield_many!(trt, tokio::spawn, tokio::task::yield_now)) }
    );
    both!(
        c,
        "ct/chained_spawn",
        spindle_ct(),
        tokio_ct(),
        |rt, b| { b.iter(chained_spawn!(rt, spindle::spawn)) },
        |trt, b| { b.iter(chained_spawn!(trt, tokio::spawn)) }
    );
    both!(
        c,
        "ct/block_on_ready",
        spindle_ct(),
        tokio_ct(),
        |rt, b| { b.iter(|| rt.block_on(async { 1 })) },
        |trt, b| { b.iter(|| trt.block_on(async { 1 })) }
    );
    both!(
        c,
        "mt/block_on_ready",
        spindle::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
        |rt, b| { b.iter(|| rt.block_on(async { 1 })) },
        |trt, b| { b.iter(|| trt.block_on(async { 1 })) }
    );
}

criterion_group!(rt_current_thread, benches);
criterion_main!(rt_current_thread);
