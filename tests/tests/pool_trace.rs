//! The pool's side of "seeing the schedule": its trace exports, its stats table, and
//! tracing a standalone pool through `Builder::trace_to` and `SPINDLE_TRACE`.
//!
//! The unit tests in `pool/src/recording.rs` check the recorded events themselves (one
//! balanced JobStart/JobEnd pair per job, steals, wakes, pinned cores); these check what
//! a user gets out of them: Chrome JSON that parses and balances, an SVG that is
//! well-formed XML with one lane per pool thread, files written on shutdown.

use serde_json::Value;
use spindle_pool::ThreadPool;
use spindle_pool::trace::{EventKind, Recorder};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A fresh directory for this test's files.
fn scratch_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("spindle-pool-trace-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A pool of two whose threads both run jobs: thread A holds its `a` half until the
/// other thread stole and ran `b`; then `n` scoped jobs.
fn run_workload(pool: &ThreadPool, n: usize) -> usize {
    let b_ran = AtomicBool::new(false);
    pool.install(|| {
        pool.join(
            || {
                while !b_ran.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                }
            },
            || b_ran.store(true, Ordering::Release),
        )
    });
    let ran = AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..n {
            s.spawn(|| {
                ran.fetch_add(1, Ordering::Relaxed);
            });
        }
    });
    // The installed operation, `b`, and the scoped jobs.
    ran.into_inner() + 2
}

/// Checks Chrome Trace JSON: every thread's B/E events balance and nest; returns the
/// number of "job" slices per thread name.
fn check_chrome_json(json: &[u8]) -> HashMap<String, usize> {
    let doc: Value = serde_json::from_slice(json).expect("the Chrome trace is valid JSON");
    let events = doc["traceEvents"].as_array().expect("a traceEvents array");
    let mut names = HashMap::new();
    for e in events {
        if e["ph"] == "M" && e["name"] == "thread_name" {
            let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
            names.insert(key, e["args"]["name"].as_str().unwrap().to_owned());
        }
    }
    let mut open: HashMap<(u64, u64), Vec<String>> = HashMap::new();
    let mut jobs: HashMap<String, usize> = HashMap::new();
    for e in events {
        let key = || (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        match e["ph"].as_str().unwrap() {
            "B" => {
                let cat = e["cat"].as_str().unwrap().to_owned();
                if cat == "job" {
                    *jobs.entry(names[&key()].clone()).or_default() += 1;
                }
                open.entry(key()).or_default().push(cat);
            }
            "E" => {
                let stack = open.get_mut(&key()).expect("an E without a B");
                assert!(stack.pop().is_some(), "an E without a B on {:?}", key());
            }
            _ => {}
        }
    }
    for (key, stack) in &open {
        assert!(stack.is_empty(), "{key:?} left {stack:?} open");
    }
    jobs
}

#[test]
fn chrome_json_of_a_pool_parses_balances_and_has_every_job() {
    let recorder = Recorder::new();
    let pool = ThreadPool::builder()
        .threads(2)
        .trace(recorder.clone())
        .build()
        .unwrap();
    let jobs_run = run_workload(&pool, 500);
    pool.shutdown();
    let trace = pool.trace_snapshot().expect("a traced pool has a trace");
    let mut json = Vec::new();
    trace.write_chrome_json(&mut json).unwrap();
    let jobs = check_chrome_json(&json);
    assert_eq!(jobs.values().sum::<usize>(), jobs_run, "{jobs:?}");
    assert!(
        jobs.contains_key("pool 0") && jobs.contains_key("pool 1"),
        "both threads ran jobs: {jobs:?}"
    );
    // The same counts as the stats.
    let stats = pool.stats();
    for w in &stats.workers {
        assert_eq!(jobs[&format!("pool {}", w.index)] as u64, w.jobs_run);
    }
}

#[test]
fn stats_table_has_a_row_per_thread_and_counts_every_job() {
    let pool = ThreadPool::new(2).unwrap();
    let jobs_run = run_workload(&pool, 300);
    pool.shutdown();
    let stats = pool.stats();
    assert_eq!(stats.jobs_run(), jobs_run as u64, "{stats}");
    assert!(stats.steals() >= 1, "b was stolen: {stats}");
    let text = stats.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].split_whitespace().eq([
        "thread", "jobs", "busy", "busy%", "parks", "unparks", "steals", "stolen", "local",
        "injector", "panics"
    ]));
    for (i, w) in stats.workers.iter().enumerate() {
        let cells: Vec<&str> = lines[1 + i].split_whitespace().collect();
        assert_eq!(cells[0], i.to_string());
        assert_eq!(cells[1], w.jobs_run.to_string(), "{text}");
    }
    let total: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(total[..2], ["total", &jobs_run.to_string()], "{text}");
    assert!(lines[4].starts_with("uptime "), "{text}");
}

/// Reads `path` and checks it as Chrome JSON; returns the job count.
fn saved_jobs(path: &Path) -> usize {
    let json = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    check_chrome_json(&json).values().sum()
}

/// Checks that `path` is well-formed XML naming every pool thread's lane.
fn check_svg(path: &Path, threads: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for i in 0..threads {
        let label = format!("pool {i}");
        assert!(texts.iter().any(|t| t.contains(&label)), "no lane {label}");
    }
}

#[test]
fn trace_to_saves_json_and_svg_when_the_pool_is_dropped() {
    let dir = scratch_dir("trace_to");
    let path = dir.join("pool.json");
    let pool = ThreadPool::builder()
        .threads(2)
        .trace_to(&path)
        .build()
        .unwrap();
    let jobs_run = run_workload(&pool, 50);
    assert!(!path.exists(), "saved only when the pool shuts down");
    drop(pool);
    assert_eq!(saved_jobs(&path), jobs_run);
    check_svg(&dir.join("pool.svg"), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The child half of `spindle_trace_env_var_traces_standalone_pools`: runs only in the
/// child process that test starts with `SPINDLE_TRACE` set (setting the variable in this
/// multi-threaded test process itself would race with other tests reading it).
#[test]
#[ignore = "run by spindle_trace_env_var_traces_standalone_pools in a child process"]
fn child_two_pools_under_spindle_trace() {
    assert!(
        std::env::var_os("SPINDLE_TRACE").is_some(),
        "run by the parent test"
    );
    for threads in [1, 2] {
        let pool = ThreadPool::new(threads).unwrap();
        pool.scope(|s| (0..10).for_each(|_| s.spawn(|| ())));
        assert!(pool.trace_snapshot().is_some());
    } // each pool saves as it is dropped
}

#[test]
fn spindle_trace_env_var_traces_standalone_pools() {
    let dir = scratch_dir("env");
    let path = dir.join("run.json");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "child_two_pools_under_spindle_trace",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env("SPINDLE_TRACE", &path)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the child test failed: {status}");
    // The first pool saves to the path itself, the second to "run-2".
    assert_eq!(saved_jobs(&path), 10);
    assert_eq!(saved_jobs(&dir.join("run-2.json")), 10);
    check_svg(&dir.join("run.svg"), 1);
    check_svg(&dir.join("run-2.svg"), 2);
    std::fs::remove_dir_all(&dir).unwrap();
    // Without the variable, a pool does not trace.
    if std::env::var_os("SPINDLE_TRACE").is_none() {
        assert!(ThreadPool::new(1).unwrap().trace_snapshot().is_none());
    }
}

#[test]
fn recorded_job_ids_are_unique_across_threads() {
    let recorder = Recorder::new();
    let pool = ThreadPool::builder()
        .threads(2)
        .trace(recorder.clone())
        .build()
        .unwrap();
    let jobs_run = run_workload(&pool, 200);
    pool.shutdown();
    let mut ids: Vec<u64> = recorder
        .snapshot()
        .lanes
        .iter()
        .flat_map(|l| &l.events)
        .filter_map(|e| match e.kind {
            EventKind::JobStart { job, .. } => Some(job),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), jobs_run);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), jobs_run, "an id was used twice");
}
