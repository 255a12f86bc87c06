use spindle_examples::concepts::race::{self, Config, Update};

/// The race is timing-dependent by nature; the widened window makes a loss near
/// certain in one run, and a bounded number of runs makes the test reliable.
#[test]
fn load_then_store_loses_updates() {
    let cfg = Config::small();
    let lost: Vec<u64> = (0..20)
        .map(|_| race::run_once(Update::LoadThenStore, &cfg).lost())
        .take_while(|&lost| lost == 0)
        .collect();
    assert!(
        lost.len() < 20,
        "20 runs of the racy update lost nothing: {lost:?}"
    );
}

#[test]
fn the_fixes_never_lose_an_update() {
    let cfg = Config::small();
    for update in [Update::FetchAdd, Update::Mutex] {
        for _ in 0..3 {
            let o = race::run_once(update, &cfg);
            assert_eq!(o.counted, o.expected, "{update:?}");
            assert_eq!(o.expected, cfg.threads as u64 * cfg.increments);
        }
    }
}

#[test]
fn the_report_covers_all_three() {
    let report = race::run(&Config::small());
    assert_eq!(report.outcomes.len(), 3);
    assert!(report.to_string().contains("fetch_add"));
}
