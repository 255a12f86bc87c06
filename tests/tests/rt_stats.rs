//! The counters behind `Runtime::stats`.

use spindle::task::yield_now;
use spindle_tests::both_flavours;

#[test]
fn stats_count_polls_and_spawns() {
    for rt in both_flavours() {
        let n = 500u64;
        rt.block_on(async move {
            let hs: Vec<_> = (0..n)
                .map(|_| {
                    spindle::spawn(async {
                        yield_now().await;
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
        let s = rt.stats();
        let t = s.total();
        assert!(t.polls >= 2 * n, "{s}");
        assert_eq!(t.spawns + s.remote_spawns, n, "{s}");
        assert_eq!(s.live_tasks, 0);
        let table = s.to_string();
        assert!(
            table.contains("polls") && table.contains("total"),
            "{table}"
        );
    }
}
