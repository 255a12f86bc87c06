use spindle_examples::concepts::lock::{self, Config};

#[test]
fn every_lock_counts_every_increment() {
    let r = lock::run(&Config::small()).unwrap();
    assert_eq!(r.contention.len(), 3);
    for c in &r.contention {
        assert_eq!(c.counted, c.expected, "{}", c.what);
    }
}

#[test]
fn a_std_guard_across_await_blocks_the_only_thread() {
    let cfg = Config::small();
    let r = lock::run(&cfg).unwrap();
    let h = &r.std_hazard;
    assert!(h.attempts > 0);
    assert_eq!(
        h.failures, h.attempts,
        "every try_lock must find the lock held"
    );
    assert!(
        h.holder_resumed_after_waiter,
        "the holder cannot run while the waiter holds the thread"
    );
    // The waiter spun for its whole patience, so the holder's 1 ms timer was served late.
    assert!(h.holder_late_by + cfg.holder_nap >= cfg.waiter_patience);
    // The async lock: the waiter suspends, the holder resumes and unlocks first.
    assert_eq!(
        r.async_order,
        [
            "holder: has the lock",
            "waiter: asks for the lock (and is suspended)",
            "holder: resumed on time, unlocks",
            "waiter: has the lock",
        ]
    );
    // The trace shows the waiter's poll, on the one lane, as long as its patience.
    let waiter = (r.trace.task_stats().into_iter())
        .find(|t| t.name.as_deref() == Some("waiter: try_lock"))
        .expect("the waiter is in the trace");
    assert!(waiter.poll_time >= cfg.waiter_patience);
}
