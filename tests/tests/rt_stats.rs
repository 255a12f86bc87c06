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

#[test]
fn idle_workers_are_not_woken_for_work_they_cannot_take() {
    // A chain of 1,000 spawns, each from the previous task: every new task goes to the
    // spawning worker's LIFO slot, which no other worker can steal, so the three idle
    // workers must stay asleep (a wake costs ~20 µs, as much as ~100 polls).
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    fn link(n: u32, done: std::sync::mpsc::Sender<()>) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            drop(spindle::spawn(async move { link(n - 1, done) }));
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(async move { link(1000, tx) });
    rx.recv().unwrap();
    let s = rt.stats();
    let t = s.total();
    assert!(t.polls >= 1001, "{s}");
    assert!(
        t.unparks <= 8,
        "idle workers were woken for unstealable work:\n{s}"
    );
}
