use spindle_examples::concepts::semaphore::{self, Config};

#[test]
fn never_more_than_k_inside() {
    let cfg = Config::small();
    for _ in 0..3 {
        let r = semaphore::run(&cfg).unwrap();
        assert_eq!(r.completed, cfg.tasks);
        assert!(r.max_inside >= 1);
        assert!(
            r.max_inside <= cfg.permits,
            "{} inside at once with {} permits",
            r.max_inside,
            cfg.permits
        );
    }
}

#[test]
fn one_permit_is_a_mutex() {
    let cfg = Config {
        permits: 1,
        ..Config::small()
    };
    let r = semaphore::run(&cfg).unwrap();
    assert_eq!((r.completed, r.max_inside), (cfg.tasks, 1));
}
