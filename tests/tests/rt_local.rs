//! `LocalSet` and `spawn_local`: `!Send` futures on the thread that created them.

use std::cell::Cell;
use std::rc::Rc;

use spindle::task::{LocalSet, spawn_local, yield_now};
use spindle_tests::{both_flavours, panic_message};

#[test]
fn local_tasks_run_on_the_owner_thread_on_both_flavours() {
    for rt in both_flavours() {
        let local = LocalSet::new();
        let counter = Rc::new(Cell::new(0)); // !Send
        let me = std::thread::current().id();
        let c = counter.clone();
        let n = local.block_on(&rt, async move {
            let hs: Vec<_> = (0..10)
                .map(|_| {
                    let c = c.clone();
                    spawn_local(async move {
                        yield_now().await;
                        c.set(c.get() + 1);
                        std::thread::current().id()
                    })
                })
                .collect();
            for h in hs {
                assert_eq!(h.await.unwrap(), me);
            }
            c.get()
        });
        assert_eq!(n, 10);
        assert_eq!(counter.get(), 10);
    }
}

#[test]
fn wake_from_another_thread_reaches_the_local_task() {
    for rt in both_flavours() {
        let local = LocalSet::new();
        let v = local.block_on(&rt, async {
            let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
            let h = spawn_local(async move {
                let not_send = Rc::new(3);
                let mut first = true;
                std::future::poll_fn(|cx| {
                    if std::mem::take(&mut first) {
                        tx.send(cx.waker().clone()).unwrap();
                        std::task::Poll::Pending
                    } else {
                        std::task::Poll::Ready(())
                    }
                })
                .await;
                *not_send
            });
            // Wait (cooperatively) for the waker, then wake from a foreign thread.
            let w = loop {
                if let Ok(w) = rx.try_recv() {
                    break w;
                }
                yield_now().await;
            };
            std::thread::spawn(move || w.wake()).join().unwrap();
            h.await.unwrap()
        });
        assert_eq!(v, 3);
    }
}

#[test]
fn dropping_the_set_cancels_pending_local_tasks_once() {
    let rt = spindle::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let local = LocalSet::new();
    let drops = Rc::new(Cell::new(0));
    struct D(Rc<Cell<i32>>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let mut handles = Vec::new();
    for _ in 0..100 {
        let d = D(drops.clone());
        handles.push(local.spawn_local(async move {
            let _d = d;
            std::future::pending::<()>().await
        }));
    }
    local.block_on(&rt, yield_now()); // some get polled once
    drop(local);
    assert_eq!(drops.get(), 100);
    for h in handles {
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
    }
}

#[test]
fn spawn_local_outside_a_local_set_panics_with_message() {
    let rt = spindle::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { drop(spawn_local(async {})) })
    }))
    .unwrap_err();
    let msg = panic_message(p);
    assert!(
        msg.contains("outside a LocalSet") && msg.contains("run_until"),
        "{msg}"
    );
}
