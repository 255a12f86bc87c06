//! Aborting tasks: pending, running, finished.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use spindle::task::yield_now;
use spindle_tests::{DropCounter, Pending, both_flavours};

#[test]
fn abort_pending_task_cancels_and_drops_future_once() {
    for rt in both_flavours() {
        let drops = Arc::new(AtomicUsize::new(0));
        let d = DropCounter(drops.clone());
        let pending = Pending::new();
        let polls = pending.polls.clone();
        let j = rt.spawn(async move {
            let _d = d;
            pending.await
        });
        // Let it be polled once (it then sits idle), then abort it.
        rt.block_on(async {
            while polls.load(SeqCst) == 0 {
                yield_now().await;
            }
        });
        j.abort();
        let err = rt.block_on(j).unwrap_err();
        assert!(err.is_cancelled() && !err.is_panic());
        assert_eq!(drops.load(SeqCst), 1);
        assert_eq!(polls.load(SeqCst), 1, "an aborted task is not polled again");
    }
}

#[test]
fn abort_handle_cancels_from_another_thread() {
    for rt in both_flavours() {
        let j = rt.spawn(Pending::new());
        let ah = j.abort_handle();
        std::thread::spawn(move || ah.abort()).join().unwrap();
        assert!(rt.block_on(j).unwrap_err().is_cancelled());
    }
}

#[test]
fn abort_after_completion_is_a_no_op() {
    for rt in both_flavours() {
        let j = rt.spawn(async { 5 });
        let ah = j.abort_handle();
        rt.block_on(async {
            while !ah.is_finished() {
                yield_now().await;
            }
        });
        j.abort();
        ah.abort();
        assert_eq!(rt.block_on(j).unwrap(), 5);
    }
}

#[test]
fn task_aborting_itself_while_running() {
    for rt in both_flavours() {
        let slot: Arc<std::sync::Mutex<Option<spindle::task::AbortHandle>>> = Arc::default();
        let s2 = slot.clone();
        let polls = Arc::new(AtomicUsize::new(0));
        let p2 = polls.clone();
        let j = rt.spawn(async move {
            loop {
                p2.fetch_add(1, SeqCst);
                if let Some(h) = s2.lock().unwrap().as_ref() {
                    h.abort();
                }
                yield_now().await;
            }
        });
        *slot.lock().unwrap() = Some(j.abort_handle());
        assert!(rt.block_on(j).unwrap_err().is_cancelled());
        assert!(polls.load(SeqCst) >= 1);
    }
}
