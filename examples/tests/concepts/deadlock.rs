use spindle_examples::concepts::deadlock::{self, Config, Stuck};

#[test]
fn opposite_orders_deadlock_and_are_detected_and_the_order_fixes_it() {
    let cfg = Config::small();
    let r = deadlock::run(&cfg).unwrap();
    assert!(r.detected, "the watchdog must fire");
    let mut dump = r.dump.clone();
    dump.sort();
    assert_eq!(
        dump,
        [
            "left waits for lock B",
            "lock A is held by left",
            "lock B is held by right",
            "right waits for lock A",
        ]
    );
    let cycle = r.cycle.clone().expect("a wait-for cycle");
    let stuck = |task: &str, holds, waits_for| Stuck {
        task: task.into(),
        holds,
        waits_for,
    };
    assert_eq!(cycle, [stuck("left", "A", "B"), stuck("right", "B", "A")]);
    assert!(r.victim_cancelled, "the aborted victim ends cancelled");
    assert!(
        r.survivor_completed,
        "with the victim gone, the other task finishes"
    );
    assert_eq!(
        r.ordered_rounds, cfg.rounds,
        "the fixed order always completes"
    );
}
