//! `spindle::signal` on real runtimes, with the process raising signals to itself.
//!
//! Tests in one binary run on parallel threads and a signal is process-wide, so each test
//! uses a signal of its own: SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGHUP, SIGWINCH. No test
//! sleeps: `raise` runs the handler before it returns, and each test awaits the wake-up.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use spindle::runtime::Builder;
use spindle::signal::unix::{Signal, SignalKind, signal};

fn multi() -> spindle::Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

fn raise(kind: SignalKind) {
    // SAFETY: raise(3) only sends a signal to this thread; each test's signal has a
    // handler installed (by `signal`/`ctrl_c`) before it is raised.
    assert_eq!(unsafe { libc::raise(kind.as_raw()) }, 0);
}

/// Polls `future` once; true if it is still pending (so its listener is registered).
async fn still_pending<F: Future>(future: std::pin::Pin<&mut F>) -> bool {
    let mut future = future;
    poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx).is_pending())).await
}

/// `recv`, bounded: a lost wake-up fails the test instead of hanging it. The deadline is
/// polled *first*, so a delivery that only shows because the deadline's wake-up re-polled
/// the listener still counts as lost.
async fn recv(signal: &mut Signal) -> Option<()> {
    let mut deadline = pin!(spindle::time::sleep(Duration::from_secs(10)));
    poll_fn(|cx| {
        if deadline.as_mut().poll(cx).is_ready() {
            panic!("a delivery was lost: recv was not woken within 10 s");
        }
        signal.poll_recv(cx)
    })
    .await
}

#[test]
fn ctrl_c_resolves_for_two_listeners_when_the_process_raises_sigint() {
    multi().block_on(async {
        let mut first = pin!(spindle::signal::ctrl_c());
        let mut second = pin!(spindle::signal::ctrl_c());
        assert!(still_pending(first.as_mut()).await);
        assert!(still_pending(second.as_mut()).await);
        raise(SignalKind::interrupt());
        let both = async { (first.await, second.await) };
        let (a, b) = spindle::time::timeout(Duration::from_secs(10), both)
            .await
            .expect("ctrl_c did not resolve");
        a.unwrap();
        b.unwrap();
    });
}

#[test]
fn a_sigterm_stream_yields_once_per_signal() {
    multi().block_on(async {
        let mut terms = signal(SignalKind::terminate()).unwrap();
        raise(SignalKind::terminate());
        assert_eq!(recv(&mut terms).await, Some(()));
        raise(SignalKind::terminate());
        assert_eq!(recv(&mut terms).await, Some(()));
        // Nothing more was delivered: the stream waits.
        let mut next = pin!(terms.recv());
        assert!(still_pending(next.as_mut()).await);
    });
}

#[test]
fn deliveries_between_polls_coalesce_and_are_not_lost() {
    multi().block_on(async {
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        // Three deliveries while nobody polls: one report, then nothing.
        for _ in 0..3 {
            raise(SignalKind::user_defined1());
        }
        assert_eq!(recv(&mut usr1).await, Some(()));
        let mut next = pin!(usr1.recv());
        assert!(still_pending(next.as_mut()).await, "coalesced into one");
        // A delivery while the listener sleeps wakes it.
        raise(SignalKind::user_defined1());
        assert_eq!(
            spindle::time::timeout(Duration::from_secs(10), next)
                .await
                .unwrap(),
            Some(())
        );
    });
}

#[test]
fn listeners_on_different_runtimes_each_see_a_delivery_from_another_thread() {
    let (a, b) = (multi(), Builder::new_current_thread().build().unwrap());
    let mut on_a = a.block_on(async { signal(SignalKind::user_defined2()).unwrap() });
    let mut on_b = b.block_on(async { signal(SignalKind::user_defined2()).unwrap() });
    // Each runtime waits in its own thread; a third thread raises (rounds, so the
    // listeners are already asleep in some of them).
    for _ in 0..50 {
        std::thread::scope(|s| {
            let ta = s.spawn(|| a.block_on(recv(&mut on_a)));
            let tb = s.spawn(|| b.block_on(recv(&mut on_b)));
            // SAFETY: kill(2) of our own pid with a signal whose handler is installed.
            assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGUSR2) }, 0);
            assert_eq!(ta.join().unwrap(), Some(()));
            assert_eq!(tb.join().unwrap(), Some(()));
        });
    }
}

#[test]
fn a_new_runtime_listens_after_the_old_one_was_dropped() {
    for round in 0..3 {
        let rt = multi();
        let signals = rt.block_on(async {
            let mut hup = signal(SignalKind::hangup()).unwrap();
            raise(SignalKind::hangup());
            assert_eq!(recv(&mut hup).await, Some(()), "round {round}");
            hup
        });
        let mut hup = signals;
        drop(rt);
        // The runtime is gone: its listener reports the end instead of hanging.
        let outlived = Builder::new_current_thread().build().unwrap();
        assert_eq!(outlived.block_on(hup.recv()), None, "round {round}");
    }
}

#[test]
fn many_listeners_of_one_signal_all_wake_and_dropping_one_leaves_the_others() {
    multi().block_on(async {
        let kind = SignalKind::window_change();
        let listeners: Vec<Signal> = (0..8).map(|_| signal(kind).unwrap()).collect();
        let mut tasks: Vec<_> = listeners
            .into_iter()
            .map(|mut s| spindle::spawn(async move { (recv(&mut s).await, s) }))
            .collect();
        drop(tasks.pop().unwrap()); // detached; its listener keeps waiting
        spindle::task::yield_now().await;
        raise(kind);
        for task in tasks {
            assert_eq!(task.await.unwrap().0, Some(()));
        }
    });
}

#[test]
fn unlistenable_signals_are_errors() {
    multi().block_on(async {
        for raw in [libc::SIGKILL, libc::SIGSTOP, 0, 99] {
            let error = signal(SignalKind::from_raw(raw)).unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{raw}");
        }
    });
}

#[test]
#[should_panic(expected = "inside a spindle runtime")]
fn signal_outside_a_runtime_panics_with_the_fix() {
    let _ = signal(SignalKind::user_defined1());
}
