use spindle::trace::LaneKind;
use spindle_examples::concepts::parallel::{self, Config};

#[test]
fn three_ways_one_checksum_and_the_current_thread_uses_one_thread() {
    let cfg = Config::small();
    let r = parallel::run(&cfg).unwrap();
    assert_eq!(r.ways.len(), 3);
    for w in &r.ways {
        assert_eq!(w.checksum, r.expected, "{}", w.what);
        assert!(
            w.threads >= 1 && w.threads <= cfg.workers,
            "{}: {}",
            w.what,
            w.threads
        );
    }
    assert_eq!(
        r.ways[0].threads, 1,
        "a current-thread runtime is one thread"
    );
    // The combined picture: the block_on lane, the workers, the pool threads, each
    // starting at 0.
    let kinds: Vec<LaneKind> = r.trace.lanes.iter().map(|l| l.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == LaneKind::BlockOn).count(), 1);
    assert_eq!(
        kinds.iter().filter(|k| **k == LaneKind::Worker).count(),
        cfg.workers
    );
    assert!(kinds.iter().filter(|k| **k == LaneKind::PoolThread).count() <= cfg.workers);
    let mut svg = Vec::new();
    r.trace.write_svg(&mut svg).unwrap();
    assert!(String::from_utf8(svg).unwrap().contains("piece 0"));
}
