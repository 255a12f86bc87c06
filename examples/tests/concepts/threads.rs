use spindle::trace::{EventKind, LaneKind};
use spindle_examples::concepts::threads::{self, Config};

#[test]
fn threads_and_jobs_agree_and_the_pool_reuses_its_threads() {
    let cfg = Config::small();
    let r = threads::run(&cfg).unwrap();
    assert_eq!(r.os_threads.checksum, r.expected);
    assert_eq!(r.pool_jobs.checksum, r.expected);
    assert_eq!(r.os_threads.threads, cfg.pieces, "one thread per piece");
    assert!(r.pool_jobs.threads <= cfg.pool_threads);
    assert!(r.thread_cost > std::time::Duration::ZERO && r.job_cost > std::time::Duration::ZERO);
    // The picture: one job per piece, all on the pool's lanes.
    let jobs = (r.trace.lanes.iter())
        .inspect(|l| assert_eq!(l.kind, LaneKind::PoolThread))
        .flat_map(|l| &l.events)
        .filter(|e| matches!(e.kind, EventKind::JobStart { .. }))
        .count();
    assert_eq!(jobs, cfg.pieces);
}
