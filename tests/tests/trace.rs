//! Tracing end to end: the Chrome JSON and the SVG a traced runtime produces, steals
//! seen in both the stats and the trace, the cores of pinned workers, task names, and
//! `SPINDLE_TRACE` tracing a program with no code change.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use spindle::runtime::{Builder, RuntimeStats};
use spindle::trace::{EventKind, LaneKind, Trace};

/// A traced multi-thread runtime with `workers` workers and 2 blocking threads.
fn traced(workers: usize) -> spindle::Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .blocking_threads(2)
        .trace(true)
        .build()
        .unwrap()
}

/// Drops the runtime (every worker flushes its lane as it exits) and returns the whole
/// trace and the final stats, through a handle that outlives it.
fn finish(rt: spindle::Runtime) -> (Trace, RuntimeStats) {
    let handle = rt.handle().clone();
    drop(rt);
    (handle.trace_snapshot().expect("traced"), handle.stats())
}

/// Named tasks that yield, a timer, and blocking jobs on both pool threads.
fn mixed_workload(rt: &spindle::Runtime) {
    rt.block_on(async {
        let hs: Vec<_> = (0..200)
            .map(|i| {
                spindle::task::Builder::new()
                    .name(if i % 2 == 0 { "fetch" } else { "parse" })
                    .spawn(async move {
                        for _ in 0..3 {
                            spindle::task::yield_now().await;
                        }
                        i
                    })
                    .unwrap()
            })
            .collect();
        spindle::time::sleep(Duration::from_millis(2)).await;
        // Two blocking jobs that wait for each other run on two pool threads at once.
        let meet = Arc::new(std::sync::Barrier::new(2));
        let jobs: Vec<_> = (0..2)
            .map(|_| {
                let meet = meet.clone();
                spindle::task::spawn_blocking(move || {
                    meet.wait();
                })
            })
            .collect();
        for j in jobs {
            j.await.unwrap();
        }
        for h in hs {
            h.await.unwrap();
        }
    });
}

fn chrome_json(trace: &Trace) -> serde_json::Value {
    let mut out = Vec::new();
    trace.write_chrome_json(&mut out).unwrap();
    serde_json::from_slice(&out).expect("the Chrome trace is valid JSON")
}

#[test]
fn chrome_json_parses_every_lane_balances_and_names_show() {
    let rt = traced(2);
    mixed_workload(&rt);
    let (trace, _) = finish(rt);
    let json = chrome_json(&trace);
    let events = json["traceEvents"].as_array().expect("traceEvents");
    // Per (pid, tid): B and E alternate like brackets and close at the end.
    let mut depth: HashMap<(u64, u64), i64> = HashMap::new();
    let mut polls_per_tid: HashMap<(u64, u64), usize> = HashMap::new();
    for e in events {
        let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap_or(0));
        match e["ph"].as_str().unwrap() {
            "B" => {
                *depth.entry(key).or_default() += 1;
                if e["cat"] == "poll" {
                    *polls_per_tid.entry(key).or_default() += 1;
                }
            }
            "E" => {
                let d = depth.entry(key).or_default();
                *d -= 1;
                assert!(*d >= 0, "an E without its B on {key:?}");
            }
            _ => {}
        }
    }
    assert!(
        depth.values().all(|&d| d == 0),
        "unbalanced lanes: {depth:?}"
    );
    let names: Vec<&str> = (events.iter())
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    for lane in ["worker 0", "worker 1"] {
        assert!(names.contains(&lane), "no lane {lane} in {names:?}");
    }
    // 200 tasks x 4 polls, spread over the worker lanes.
    assert!(
        polls_per_tid.values().sum::<usize>() >= 800,
        "{polls_per_tid:?}"
    );
    for name in ["fetch", "parse"] {
        let named = (events.iter())
            .filter(|e| e["ph"] == "B" && e["name"] == name)
            .count();
        assert!(named >= 400, "{named} polls named {name}");
    }
}

#[test]
fn svg_is_well_formed_with_a_lane_per_worker_and_pool_thread() {
    let rt = traced(2);
    mixed_workload(&rt);
    let (trace, _) = finish(rt);
    let mut out = Vec::new();
    trace.write_svg(&mut out).unwrap();
    let text = String::from_utf8(out).expect("UTF-8");
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let lanes: Vec<&str> = (doc.descendants())
        .filter(|n| n.attribute("class") == Some("lane"))
        .filter_map(|n| n.attribute("data-lane"))
        .collect();
    for lane in ["worker 0", "worker 1", "pool 0", "pool 1"] {
        assert!(lanes.contains(&lane), "no lane {lane} in {lanes:?}");
    }
}

/// Worker X runs a task that spawns `N` tasks onto its own queues and then spins until
/// N - 1 of them have run. X never gets back to its queues meanwhile, and the tasks are
/// never in the injector (a spawn on a worker goes to its LIFO slot, the previous
/// occupant to its local queue), so the only way they run is worker Y stealing them
/// from X's local queue. The last one waits in X's LIFO slot (unstealable) and X runs it
/// after the spinning task returns. So, exactly: Y steals from X and nobody else steals,
/// and Y's steals move N - 1 tasks in all, in both the stats and the trace.
#[test]
fn the_busy_workers_queue_is_stolen_in_stats_and_trace() {
    const N: usize = 64;
    let rt = traced(2);
    let holder = rt.block_on(async {
        let done = Arc::new(AtomicUsize::new(0));
        let holder = spindle::spawn(async move {
            let tasks: Vec<_> = (0..N)
                .map(|_| {
                    let done = done.clone();
                    spindle::spawn(async move {
                        done.fetch_add(1, SeqCst);
                    })
                })
                .collect();
            // Hold this worker until the other one has run every stealable task (a
            // deadline turns a scheduler bug into a failure instead of a hang).
            let deadline = Instant::now() + Duration::from_secs(20);
            while done.load(SeqCst) < N - 1 {
                assert!(
                    Instant::now() < deadline,
                    "the idle worker never stole the queue"
                );
                std::hint::spin_loop();
            }
            (spindle::task::id(), tasks)
        });
        let (id, tasks) = holder.await.unwrap();
        for t in tasks {
            t.await.unwrap();
        }
        id.as_u64()
    });
    let (trace, stats) = finish(rt);
    let worker_lane = |i: usize| {
        (trace.lanes.iter())
            .find(|l| l.kind == LaneKind::Worker && l.index == i)
            .expect("worker lane")
    };
    let ran_holder = |i: usize| {
        (worker_lane(i).events.iter())
            .any(|e| matches!(e.kind, EventKind::PollStart { task, .. } if task == holder))
    };
    let x = (0..2)
        .find(|&i| ran_holder(i))
        .expect("a worker ran the holder");
    let y = 1 - x;
    let (wx, wy) = (stats.workers[x], stats.workers[y]);
    assert_eq!(wx.steals, 0, "the busy worker stole:\n{stats}");
    assert!(wy.steals >= 1, "no steal:\n{stats}");
    assert_eq!(wy.stolen, (N - 1) as u64, "\n{stats}");
    let steals = |i: usize| -> Vec<(u32, u32)> {
        (worker_lane(i).events.iter())
            .filter_map(|e| match e.kind {
                EventKind::Steal { victim, count } => Some((victim, count)),
                _ => None,
            })
            .collect()
    };
    assert!(steals(x).is_empty());
    let by_y = steals(y);
    assert_eq!(by_y.len() as u64, wy.steals, "one Steal event per steal");
    assert!(
        by_y.iter().all(|&(victim, _)| victim == x as u32),
        "{by_y:?}"
    );
    let moved: u32 = by_y.iter().map(|&(_, count)| count).sum();
    assert_eq!(moved as usize, N - 1);
}

#[test]
fn pinned_workers_poll_on_their_cores() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        eprintln!("skipped: pinning 2 workers to 2 cores needs 2 cores, this process has {cores}");
        return;
    }
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .pin_workers(true)
        .trace(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let hs: Vec<_> = (0..400)
            .map(|_| {
                spindle::spawn(async {
                    for _ in 0..5 {
                        spindle::task::yield_now().await;
                    }
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    let (trace, stats) = finish(rt);
    let pinned: Vec<u32> = (stats.workers.iter())
        .map(|w| w.pinned_core.expect("pinned") as u32)
        .collect();
    assert_ne!(pinned[0], pinned[1], "two workers, two cores: {stats}");
    let mut polls = 0;
    for lane in trace.lanes.iter().filter(|l| l.kind == LaneKind::Worker) {
        for e in &lane.events {
            if let EventKind::PollStart { cpu, .. } = e.kind {
                assert_eq!(
                    cpu, pinned[lane.index],
                    "worker {} polled off its core",
                    lane.index
                );
                polls += 1;
            }
        }
    }
    assert!(polls >= 2400, "{polls} polls recorded");
}

#[test]
fn pinning_a_current_thread_runtime_is_an_error() {
    let err = Builder::new_current_thread()
        .pin_workers(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("multi-thread"), "{err}");
}

/// Set in the child process of `spindle_trace_env_traces_without_code_change`.
const CHILD: &str = "SPINDLE_TRACE_TEST_CHILD";

/// Not a test of its own: the body the child process runs (a no-op otherwise). Two
/// runtimes built with no trace settings at all, and one that opts out.
#[test]
fn env_child_program() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    for _ in 0..2 {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let h = spindle::task::Builder::new()
                .name("from-env")
                .spawn(async { spindle::task::yield_now().await })
                .unwrap();
            h.await.unwrap();
        });
        assert!(
            rt.trace_snapshot().is_some(),
            "SPINDLE_TRACE turns tracing on"
        );
    }
    let off = Builder::new_current_thread().trace(false).build().unwrap();
    // Its blocking pool must not trace itself from SPINDLE_TRACE either.
    off.block_on(async { spindle::task::spawn_blocking(|| ()).await.unwrap() });
    assert!(
        off.trace_snapshot().is_none(),
        "trace(false) wins over SPINDLE_TRACE"
    );
    drop(off);
}

#[test]
fn spindle_trace_env_traces_without_code_change() {
    let dir = std::env::temp_dir().join(format!("spindle-trace-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("run.json");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "env_child_program", "--test-threads=1"])
        .env(CHILD, "1")
        .env("SPINDLE_TRACE", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {out:?}");
    let file = |name: &str| -> PathBuf { dir.join(name) };
    for name in ["run.json", "run.svg", "run-2.json", "run-2.svg"] {
        assert!(file(name).exists(), "{name} missing: {out:?}");
    }
    assert!(
        !file("run-3.json").exists(),
        "the trace(false) runtime saved a trace"
    );
    for name in ["run.json", "run-2.json"] {
        let text = std::fs::read_to_string(file(name)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let named = (json["traceEvents"].as_array().unwrap().iter())
            .any(|e| e["ph"] == "B" && e["name"] == "from-env");
        assert!(named, "{name} has no poll of the task named from-env");
    }
    let svg = std::fs::read_to_string(file("run.svg")).unwrap();
    roxmltree::Document::parse(&svg).expect("well-formed SVG");
    std::fs::remove_dir_all(&dir).unwrap();
}
