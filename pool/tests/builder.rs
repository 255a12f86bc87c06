//! Builder settings: errors, thread names, hooks, pinning.

use spindle_pool::{BuildError, ThreadPool};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[test]
fn zero_threads_is_a_build_error() {
    let err = ThreadPool::new(0).unwrap_err();
    assert!(matches!(err, BuildError::NoThreads));
    assert!(err.to_string().contains("at least one thread"), "{err}");
    let err = ThreadPool::builder().threads(0).build().unwrap_err();
    assert!(matches!(err, BuildError::NoThreads));
    let _: &dyn std::error::Error = &err;
}

#[test]
fn names_and_hooks_once_per_thread() {
    let started = Arc::new(Mutex::new(BTreeMap::<usize, Vec<String>>::new()));
    let stopped = Arc::new(Mutex::new(BTreeMap::<usize, usize>::new()));
    let pool = {
        let (started, stopped) = (started.clone(), stopped.clone());
        ThreadPool::builder()
            .threads(3)
            .thread_name(|i| format!("cruncher-{i}"))
            .stack_size(256 * 1024)
            .on_thread_start(move |i| {
                let name = std::thread::current().name().unwrap_or("").to_string();
                started.lock().unwrap().entry(i).or_default().push(name);
            })
            .on_thread_stop(move |i| *stopped.lock().unwrap().entry(i).or_default() += 1)
            .build()
            .unwrap()
    };
    assert_eq!(pool.num_threads(), 3);
    // build() returns after every thread started, and the start hook runs right after.
    let names = pool.map(&[(); 30], |_| {
        std::thread::current().name().unwrap_or("").to_string()
    });
    assert!(
        names.iter().all(|n| n.starts_with("cruncher-")),
        "{names:?}"
    );
    pool.shutdown();
    let started = started.lock().unwrap();
    let expected: BTreeMap<usize, Vec<String>> =
        (0..3).map(|i| (i, vec![format!("cruncher-{i}")])).collect();
    assert_eq!(*started, expected);
    let stopped = stopped.lock().unwrap();
    assert_eq!(*stopped, (0..3).map(|i| (i, 1)).collect());
}

#[test]
fn default_thread_count_and_names() {
    let pool = ThreadPool::builder().build().unwrap();
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(pool.num_threads(), cores);
    let name = pool
        .spawn(|| std::thread::current().name().map(str::to_string))
        .join()
        .unwrap();
    assert!(name.unwrap().starts_with("spindle-pool-"));
}

#[test]
fn pinned_worker_i_runs_on_core_i_mod_ncpu() {
    let ncpu = std::thread::available_parallelism().unwrap().get();
    if ncpu < 2 {
        eprintln!("skipped: pinning needs at least 2 cores to mean anything (found {ncpu})");
        return;
    }
    let seen = Arc::new(Mutex::new(BTreeMap::new()));
    let threads = ncpu + 1; // one more than cores: the last wraps around to core 0
    let pool = {
        let seen = seen.clone();
        ThreadPool::builder()
            .threads(threads)
            .pin_to_cores(true)
            .on_thread_start(move |i| {
                seen.lock().unwrap().insert(i, spindle_pool::current_cpu());
            })
            .build()
            .unwrap()
    };
    pool.shutdown();
    // Assumes the process may use CPUs 0..ncpu (no cpuset holes), as on CI machines.
    let seen = seen.lock().unwrap();
    for i in 0..threads {
        assert_eq!(seen[&i], Some(i % ncpu), "worker {i}");
    }
}

#[test]
fn current_cpu_and_thread_index() {
    assert!(spindle_pool::current_cpu().is_some());
    assert_eq!(ThreadPool::current_thread_index(), None);
    let pool = ThreadPool::new(2).unwrap();
    let idx = pool.spawn(ThreadPool::current_thread_index).join().unwrap();
    assert!(matches!(idx, Some(0 | 1)));
}

#[test]
fn a_thread_that_cannot_spawn_is_a_build_error() {
    // No OS can give a thread a stack of half the address space.
    let stops = Arc::new(Mutex::new(0));
    let stops2 = stops.clone();
    let result = ThreadPool::builder()
        .threads(2)
        .stack_size(usize::MAX / 2)
        .on_thread_stop(move |_| *stops2.lock().unwrap() += 1)
        .build();
    match result {
        Err(BuildError::Spawn { index, source }) => {
            assert_eq!(index, 0);
            let err = BuildError::Spawn { index, source };
            assert!(
                err.to_string().starts_with("could not start pool thread 0"),
                "{err}"
            );
            assert!(std::error::Error::source(&err).is_some());
        }
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("a thread with a usize::MAX / 2 stack was started"),
    }
    assert_eq!(*stops.lock().unwrap(), 0, "no thread started, none stopped");
}
