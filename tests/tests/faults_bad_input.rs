//! Bad input and misuse: every Builder setting out of range is an `InvalidInput` error
//! that names the bound; a zero interval panics saying why; `Duration::MAX` sleeps and
//! timeouts never fire and never overflow; a channel of capacity 0 is a clear panic.

use std::future::Future;
use std::io::ErrorKind::InvalidInput;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use spindle::runtime::Builder;
use spindle_tests::{panic_message, watchdog::Watchdog};

#[test]
fn runtime_builder_settings_out_of_range_are_invalid_input() {
    let too_many = spindle_pool::Builder::MAX_THREADS + 1;
    type Build = Box<dyn Fn() -> std::io::Result<spindle::Runtime>>;
    let cases: Vec<(&str, Build)> = vec![
        (
            "worker_threads",
            Box::new(|| Builder::new_multi_thread().worker_threads(0).build()),
        ),
        (
            "4096",
            Box::new(move || Builder::new_multi_thread().worker_threads(too_many).build()),
        ),
        (
            "4096",
            Box::new(move || {
                Builder::new_multi_thread()
                    .worker_threads(usize::MAX)
                    .build()
            }),
        ),
        (
            "blocking_threads",
            Box::new(|| Builder::new_current_thread().blocking_threads(0).build()),
        ),
        (
            "4096",
            Box::new(move || {
                Builder::new_current_thread()
                    .blocking_threads(too_many)
                    .build()
            }),
        ),
        (
            "thread_stack_size",
            Box::new(|| Builder::new_multi_thread().thread_stack_size(0).build()),
        ),
        (
            "pin_workers",
            Box::new(|| Builder::new_current_thread().pin_workers(true).build()),
        ),
    ];
    for (says, build) in cases {
        let err = build().unwrap_err();
        assert_eq!(err.kind(), InvalidInput, "{err}");
        assert!(
            err.to_string().contains(says),
            "{err:?} should mention {says}"
        );
    }
}

#[test]
fn pool_builder_settings_out_of_range_are_invalid_input() {
    use spindle_pool::{BuildError, ThreadPool};
    let max = spindle_pool::Builder::MAX_THREADS;
    for err in [
        ThreadPool::builder().threads(0).build().unwrap_err(),
        ThreadPool::builder().threads(max + 1).build().unwrap_err(),
        ThreadPool::builder()
            .threads(usize::MAX)
            .build()
            .unwrap_err(),
        ThreadPool::builder().stack_size(1).build().unwrap_err(),
        ThreadPool::new(0).unwrap_err(),
    ] {
        assert_eq!(err.kind(), InvalidInput, "{err}");
        assert!(matches!(
            err,
            BuildError::NoThreads | BuildError::InvalidInput { .. }
        ));
    }
    let err = ThreadPool::builder().threads(max + 1).build().unwrap_err();
    assert!(err.to_string().contains(&max.to_string()), "{err}");
}

#[test]
fn zero_interval_panics_saying_why() {
    let rt = Builder::new_current_thread().build().unwrap();
    let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            let _ = spindle::time::interval(Duration::ZERO);
        })
    }))
    .unwrap_err();
    let message = panic_message(p);
    assert!(message.contains("non-zero period"), "{message}");
    assert!(message.contains("busy loop"), "{message}");
}

/// Polls `f` once with a no-op waker.
fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
}

#[test]
fn max_durations_never_fire_and_never_overflow() {
    let _w = Watchdog::new("max_durations", 20);
    for rt in spindle_tests::both_flavours() {
        rt.block_on(async {
            let mut sleep = pin!(spindle::time::sleep(Duration::MAX));
            let mut timeout = pin!(spindle::time::timeout(
                Duration::MAX,
                std::future::pending::<()>()
            ));
            let mut interval = spindle::time::interval(Duration::MAX);
            assert!(poll_once(sleep.as_mut()).is_pending());
            assert!(poll_once(timeout.as_mut()).is_pending());
            // The first tick is at once; the next is "never", not an overflow panic.
            interval.tick().await;
            // The runtime's clock advances past a near timer: the far ones still wait.
            spindle::time::sleep(Duration::from_millis(5)).await;
            assert!(poll_once(sleep.as_mut()).is_pending());
            assert!(poll_once(timeout.as_mut()).is_pending());
            {
                let mut tick = pin!(interval.tick());
                assert!(poll_once(tick.as_mut()).is_pending());
            }
            // A timeout of MAX around a ready future returns its output.
            assert_eq!(
                spindle::time::timeout(Duration::MAX, async { 3 }).await,
                Ok(3)
            );
            // Resetting to a MAX period saturates too.
            interval.reset();
        });
        // The registered far timers are dropped here and at runtime drop: no panic.
        drop(rt);
    }
}

#[test]
fn channel_capacity_zero_is_a_clear_panic() {
    let p = std::panic::catch_unwind(|| spindle::sync::mpsc::channel::<u8>(0)).unwrap_err();
    assert!(panic_message(p).contains("capacity of at least 1"));
    let p = std::panic::catch_unwind(|| spindle::sync::broadcast::channel::<u8>(0)).unwrap_err();
    assert!(panic_message(p).contains("capacity of at least 1"));
}
