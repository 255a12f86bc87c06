//! A panicking task: the JoinHandle reports it and the worker survives.

use spindle_tests::{both_flavours, one_worker};

#[test]
fn panic_becomes_join_error_and_worker_survives() {
    let mut rts = both_flavours();
    rts.push(one_worker());
    for rt in rts {
        let err = rt
            .block_on(rt.spawn(async { panic!("task exploded") }))
            .unwrap_err();
        assert!(err.is_panic() && !err.is_cancelled());
        assert!(err.to_string().contains("task exploded"), "{err}");
        let payload = err.into_panic();
        assert_eq!(*payload.downcast::<&str>().unwrap(), "task exploded");
        // The same worker still runs tasks.
        assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    }
}

#[test]
fn try_into_panic_gives_cancelled_error_back() {
    let rt = one_worker();
    let j = rt.spawn(std::future::pending::<()>());
    j.abort();
    let err = rt.block_on(j).unwrap_err();
    let err = err.try_into_panic().unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(format!("{err:?}"), "JoinError::Cancelled");
}

#[test]
fn panic_in_block_on_future_propagates() {
    for rt in both_flavours() {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async { panic!("top") })
        }));
        assert!(r.is_err());
        // The runtime is still usable afterwards.
        assert_eq!(rt.block_on(rt.spawn(async { 2 })).unwrap(), 2);
    }
}
