//! An idle pool costs ~0% CPU: workers sleep instead of spinning.

use spindle_pool::ThreadPool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The kernel thread id of the calling thread, from the `/proc/thread-self` link
/// (`/proc/<pid>/task/<tid>`), so no `unsafe` `gettid` call is needed.
fn gettid() -> u32 {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    link.file_name().unwrap().to_str().unwrap().parse().unwrap()
}

/// CPU time of thread `tid` in nanoseconds: utime + stime from `/proc/self/task/TID/stat`
/// (clock ticks), and the precise on-CPU time from `schedstat` when the kernel has it.
fn cpu_time_ns(tid: u32) -> (u64, Option<u64>) {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let tick_ns = 10_000_000; // USER_HZ is 100 on Linux
    let sched = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok());
    (ticks * tick_ns, sched)
}

#[test]
fn idle_pool_uses_almost_no_cpu() {
    let tids = Arc::new(Mutex::new(Vec::new()));
    let pool = {
        let tids = tids.clone();
        ThreadPool::builder()
            .threads(2)
            .on_thread_start(move |_| tids.lock().unwrap().push(gettid()))
            .build()
            .unwrap()
    };
    // Make the workers busy first, then let them go idle.
    let v: Vec<u64> = (0..100_000).collect();
    assert_eq!(pool.map(&v, |x| x + 1).len(), 100_000);
    let tids = tids.lock().unwrap().clone();
    assert_eq!(tids.len(), 2);
    // Start the window once both workers sleep (a bounded poll of a condition).
    let deadline = Instant::now() + Duration::from_secs(5);
    while pool.stats().sleeping < 2 {
        assert!(
            Instant::now() < deadline,
            "workers never went to sleep: {}",
            pool.stats()
        );
        std::thread::yield_now();
    }
    let before: Vec<_> = tids.iter().map(|&t| cpu_time_ns(t)).collect();
    std::thread::sleep(Duration::from_millis(500)); // the measurement window, not a sync
    let after: Vec<_> = tids.iter().map(|&t| cpu_time_ns(t)).collect();
    let stats = pool.stats();
    assert_eq!(stats.sleeping, 2, "{stats}");
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        let stat_delta = a.0 - b.0;
        let delta = match (b.1, a.1) {
            (Some(b), Some(a)) => a - b,
            _ => stat_delta,
        };
        assert!(
            delta < 5_000_000 && stat_delta < 5_000_000,
            "worker {i} used {delta} ns of CPU in 500 ms of idleness (stat: {stat_delta} ns)"
        );
    }
}
