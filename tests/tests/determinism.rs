//! Deterministic tests (`docs/determinism.md`): `Builder::rng_seed` fixes the
//! current-thread schedule and `select!`'s branch choice; paused time
//! (`start_paused`, `time::{pause, advance, resume}`) runs timers in virtual time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use spindle::runtime::{Builder, Runtime};
use spindle::task::yield_now;
use spindle::time::{self, Instant};
use spindle_tests::watchdog::Watchdog;

fn seeded(seed: u64) -> Runtime {
    Builder::new_current_thread()
        .rng_seed(seed)
        .start_paused(true)
        .build()
        .unwrap()
}

/// A racy program: 6 tasks each push (task, step) 4 times, yielding in between (and
/// one sleeps, so a timer joins the race). Returns the order the pushes happened in.
fn racy_order(seed: u64) -> Vec<(u32, u32)> {
    let rt = seeded(seed);
    let log = Arc::new(Mutex::new(Vec::new()));
    rt.block_on(async {
        let tasks: Vec<_> = (0..6)
            .map(|t| {
                let log = log.clone();
                spindle::spawn(async move {
                    for step in 0..4 {
                        log.lock().unwrap().push((t, step));
                        if t == 3 && step == 1 {
                            time::sleep(Duration::from_millis(5)).await;
                        } else {
                            yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    let order = log.lock().unwrap().clone();
    assert_eq!(order.len(), 24, "every push happened");
    order
}

#[test]
fn the_same_seed_replays_the_same_interleaving() {
    let _w = Watchdog::new("the_same_seed_replays_the_same_interleaving", 30);
    let first = racy_order(7);
    for run in 0..20 {
        assert_eq!(racy_order(7), first, "run {run} of seed 7 diverged");
    }
}

#[test]
fn different_seeds_find_different_interleavings() {
    let _w = Watchdog::new("different_seeds_find_different_interleavings", 30);
    let mut orders: Vec<Vec<(u32, u32)>> = (0..20).map(racy_order).collect();
    orders.sort();
    orders.dedup();
    assert!(
        orders.len() >= 2,
        "20 seeds gave only {} interleaving(s)",
        orders.len()
    );
}

/// Which branch wins when both are ready at once, over 32 selects.
fn select_choices(seed: u64) -> Vec<u8> {
    seeded(seed).block_on(async {
        let mut picks = Vec::new();
        for _ in 0..32 {
            let pick = spindle::select! {
                _ = std::future::ready(()) => 0u8,
                _ = std::future::ready(()) => 1u8,
                _ = std::future::ready(()) => 2u8,
            };
            picks.push(pick);
        }
        picks
    })
}

#[test]
fn the_seed_fixes_select_branch_order() {
    let first = select_choices(11);
    assert_eq!(select_choices(11), first, "same seed, same branch choices");
    assert!(
        first.iter().any(|&p| p != first[0]),
        "the start branch varies: {first:?}"
    );
    let others: Vec<_> = (12..20).map(select_choices).collect();
    assert!(
        others.iter().any(|o| *o != first),
        "other seeds choose otherwise"
    );
}

#[test]
fn an_hour_of_interval_ticks_runs_in_virtual_time() {
    let _w = Watchdog::new("an_hour_of_interval_ticks_runs_in_virtual_time", 30);
    let rt = Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap();
    let wall = std::time::Instant::now();
    let (ticks, virtual_elapsed) = rt.block_on(async {
        let start = Instant::now();
        let mut interval = time::interval(Duration::from_secs(1));
        let mut ticks = 0u32;
        // The first tick is immediate; 3600 more cover the hour.
        interval.tick().await;
        while start.elapsed() < Duration::from_secs(3600) {
            interval.tick().await;
            ticks += 1;
        }
        (ticks, start.elapsed())
    });
    assert_eq!(ticks, 3600);
    assert_eq!(virtual_elapsed, Duration::from_secs(3600));
    assert!(
        wall.elapsed() < Duration::from_secs(1),
        "an hour of ticks took {:?} of wall time",
        wall.elapsed()
    );
}

#[test]
fn a_day_long_sleep_advances_the_clock_by_exactly_a_day() {
    let _w = Watchdog::new("a_day_long_sleep_advances_the_clock_by_exactly_a_day", 30);
    let rt = Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = Instant::now();
        time::sleep(Duration::from_secs(86400)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(86400));
    });
}

#[test]
fn advance_fires_timers_in_deadline_order() {
    let _w = Watchdog::new("advance_fires_timers_in_deadline_order", 30);
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        time::pause();
        let fired = Arc::new(Mutex::new(Vec::new()));
        // Spawned out of order; each records its delay when it wakes.
        for ms in [30u64, 10, 50, 20, 40] {
            let fired = fired.clone();
            spindle::spawn(async move {
                time::sleep(Duration::from_millis(ms)).await;
                fired.lock().unwrap().push(ms);
            });
        }
        yield_now().await; // let every task register its timer
        time::advance(Duration::from_millis(25)).await;
        assert_eq!(
            *fired.lock().unwrap(),
            [10, 20],
            "only the due timers fired"
        );
        time::advance(Duration::from_millis(25)).await;
        assert_eq!(*fired.lock().unwrap(), [10, 20, 30, 40, 50]);
        time::resume();
    });
}

#[test]
fn a_timeout_elapses_in_virtual_time() {
    let rt = Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let never = std::future::pending::<()>();
        assert!(
            time::timeout(Duration::from_secs(600), never)
                .await
                .is_err()
        );
        assert_eq!(start.elapsed(), Duration::from_secs(600));
    });
}

#[test]
fn pause_on_a_multi_thread_runtime_panics_saying_why() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let err = rt
        .block_on(async { spindle::spawn(async { time::pause() }).await })
        .unwrap_err();
    let panic = err.into_panic();
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(
        message.contains("needs a current-thread runtime"),
        "{message}"
    );
}

#[test]
fn start_paused_on_multi_thread_is_a_build_error() {
    let err = Builder::new_multi_thread()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("current-thread"), "{err}");
}

#[spindle::test(start_paused = true, seed = 7)]
async fn the_test_attribute_takes_start_paused_and_seed() {
    let start = Instant::now();
    time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(3600));
}
