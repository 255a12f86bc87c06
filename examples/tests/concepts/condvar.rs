use spindle_examples::concepts::condvar::{self, Config};
use spindle_examples::concepts::spurious_wakeup::{self, Rule};

#[test]
fn every_queue_delivers_every_item_once() {
    let r = condvar::run(&Config::small()).unwrap();
    assert_eq!(r.deliveries.len(), 3);
    for d in &r.deliveries {
        assert!(r.complete(d), "{}: {} items", d.what, d.received.len());
    }
}

#[test]
fn the_while_loop_survives_a_spurious_wakeup() {
    let s = spurious_wakeup::forced_spurious_wakeup(Rule::While);
    assert_eq!(s.took, Some(42));
    assert!(s.futile_wakeups >= 1);
}

#[test]
fn the_if_takes_from_an_empty_queue() {
    let s = spurious_wakeup::forced_spurious_wakeup(Rule::If);
    assert_eq!(s.took, None);
    assert_eq!(s.futile_wakeups, 1);
}

#[test]
fn a_capacity_of_one_still_delivers() {
    let cfg = Config {
        capacity: 1,
        items: 100,
        ..Config::small()
    };
    let r = condvar::run(&cfg).unwrap();
    assert!(r.deliveries.iter().all(|d| r.complete(d)));
}
