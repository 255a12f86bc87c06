//! The blocked-worker detector (`Builder::warn_long_polls`, `on_long_poll`): a poll that
//! runs past the threshold is reported while it still runs.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use spindle::runtime::{Builder, LongPoll};
use spindle_tests::watchdog::Watchdog;

#[test]
fn a_blocked_poll_is_reported_before_it_returns() {
    let _w = Watchdog::new("a_blocked_poll_is_reported_before_it_returns", 30);
    let reported = Arc::new(AtomicBool::new(false));
    let reports: Arc<Mutex<Vec<LongPoll>>> = Arc::default();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .warn_long_polls(Duration::from_millis(20))
        .on_long_poll({
            let (reported, reports) = (reported.clone(), reports.clone());
            move |r| {
                reports.lock().unwrap().push(r.clone());
                reported.store(true, SeqCst);
            }
        })
        .build()
        .unwrap();
    let seen = reported.clone();
    let blocker = rt.spawn(async move {
        // The workload: a blocking call inside a task, 15x the threshold.
        std::thread::sleep(Duration::from_millis(300));
        seen.load(SeqCst) // read inside the same poll, after the sleep
    });
    let line = line!() - 5;
    let id = blocker.id();
    assert!(
        rt.block_on(blocker).unwrap(),
        "no report while the poll ran"
    );
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "one report per poll: {reports:?}");
    let r = &reports[0];
    assert_eq!(r.task, id);
    assert_eq!(r.location.unwrap().line(), line);
    assert!(r.worker.is_some_and(|w| w < 2), "{r:?}");
    assert!(r.running_for >= Duration::from_millis(20), "{r:?}");
    assert!(r.to_string().contains("rt_long_poll.rs"), "{r}");
}

#[test]
fn short_polls_are_not_reported_and_a_zero_threshold_is_an_error() {
    let _w = Watchdog::new("short_polls_are_not_reported", 30);
    let reported = Arc::new(AtomicBool::new(false));
    let rt = Builder::new_current_thread()
        .warn_long_polls(Duration::from_millis(200))
        .on_long_poll({
            let reported = reported.clone();
            move |_| reported.store(true, SeqCst)
        })
        .build()
        .unwrap();
    rt.block_on(async {
        for _ in 0..50 {
            spindle::spawn(async { spindle::task::yield_now().await })
                .await
                .unwrap();
        }
    });
    drop(rt); // joins the detector's thread
    assert!(!reported.load(SeqCst));
    let err = Builder::new_multi_thread()
        .warn_long_polls(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("warn_long_polls(0)"), "{err}");
}
