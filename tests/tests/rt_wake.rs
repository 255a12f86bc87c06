//! Wakes: a wake during a poll polls again exactly once; repeated wakes of an idle task
//! queue it once.

use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::Poll;

use spindle::task::yield_now;
use spindle_tests::{Pending, both_flavours};

#[test]
#[allow(clippy::waker_clone_wake)] // waking by value is what is tested
fn wake_while_running_polls_exactly_once_more() {
    for rt in both_flavours() {
        let polls = Arc::new(AtomicUsize::new(0));
        let p = polls.clone();
        let j = rt.spawn(poll_fn(move |cx| {
            if p.fetch_add(1, SeqCst) == 0 {
                // Three wakes while running: one more poll, not three.
                cx.waker().wake_by_ref();
                cx.waker().wake_by_ref();
                cx.waker().clone().wake();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        }));
        rt.block_on(j).unwrap();
        assert_eq!(polls.load(SeqCst), 2);
    }
}

#[test]
fn wakes_of_an_idle_task_queue_it_once() {
    // Current-thread: tasks run only inside block_on, so all eleven wakes happen while the
    // task is idle (on a multi-thread runtime a worker could poll it between two wakes).
    {
        let rt = spindle::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let p = Pending::new();
        let (waker, polls) = (p.waker.clone(), p.polls.clone());
        let j = rt.spawn(p);
        rt.block_on(async {
            while polls.load(SeqCst) == 0 {
                yield_now().await;
            }
        });
        let w = waker.lock().unwrap().clone().unwrap();
        // Wake from a foreign thread, by reference and by value, many times.
        std::thread::spawn(move || {
            for _ in 0..10 {
                w.wake_by_ref();
            }
            w.wake();
        })
        .join()
        .unwrap();
        rt.block_on(async {
            while polls.load(SeqCst) < 2 {
                yield_now().await;
            }
            // Give any (wrong) extra queue entries a chance to run.
            for _ in 0..20 {
                yield_now().await;
            }
        });
        assert_eq!(
            polls.load(SeqCst),
            2,
            "eleven wakes of an idle task: one poll"
        );
        j.abort();
    }
}
