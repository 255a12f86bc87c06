//! `RuntimeStats` as a user sees it: the table, busy time, and the driver's work (I/O
//! events dispatched, timers fired) counted on the worker that ran the driver.

use std::future::Future;
use std::time::Duration;

use spindle::io::{AsyncReadExt, AsyncWriteExt};
use spindle::net::{TcpListener, TcpStream};
use spindle::runtime::Builder;

#[test]
fn display_has_a_row_per_worker_and_a_total() {
    let rt = Builder::new_multi_thread()
        .worker_threads(3)
        .build()
        .unwrap();
    rt.block_on(async {
        let hs: Vec<_> = (0..100).map(|i| spindle::spawn(async move { i })).collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    let s = rt.stats();
    let text = s.to_string();
    let lines: Vec<&str> = text.lines().collect();
    // A summary line, the header, 3 worker rows, the total row (untraced: no task list).
    assert_eq!(lines.len(), 6, "{text}");
    assert!(lines[1].split_whitespace().eq([
        "worker", "core", "polls", "busy", "spawns", "lifo", "local", "inject", "steals", "stolen",
        "parks", "unparks", "io", "timers"
    ]));
    for (i, line) in lines[2..5].iter().enumerate() {
        assert_eq!(
            line.split_whitespace().next(),
            Some(&*i.to_string()),
            "{text}"
        );
    }
    assert_eq!(
        lines[5].split_whitespace().nth(2),
        Some("100"),
        "total polls: {text}"
    );
    let width = lines[1].chars().count();
    assert!(
        lines[1..].iter().all(|l| l.chars().count() == width),
        "aligned: {text}"
    );
    assert!(s.total().busy > Duration::ZERO, "{text}");
}

/// A TCP echo of `rounds` round trips and `timers` sleeps, on `rt`. Returns how many of
/// the sleeps were still pending after their first poll: those, and only those, wait in
/// the timer wheel (a sleep first polled after its deadline, which a loaded machine can
/// cause, completes without a timer).
fn io_and_timers(rt: &spindle::Runtime, rounds: usize, timers: usize) -> usize {
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spindle::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 8];
            for _ in 0..rounds {
                s.read_exact(&mut buf).await.unwrap();
                s.write_all(&buf).await.unwrap();
            }
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 8];
        for i in 0..rounds {
            c.write_all(&(i as u64).to_le_bytes()).await.unwrap();
            c.read_exact(&mut buf).await.unwrap();
            assert_eq!(u64::from_le_bytes(buf), i as u64);
        }
        server.await.unwrap();
        let mut sleeps: Vec<_> = (0..timers)
            .map(|i| Box::pin(spindle::time::sleep(Duration::from_millis(20 + i as u64))))
            .collect();
        // Poll each once: a pending sleep has registered its timer.
        let mut registered = 0;
        for s in &mut sleeps {
            std::future::poll_fn(|cx| {
                if s.as_mut().poll(cx).is_pending() {
                    registered += 1;
                }
                std::task::Poll::Ready(())
            })
            .await;
        }
        for s in sleeps {
            s.await;
        }
        registered
    })
}

/// The runtime's stats once `done` holds, or after 10 s (then the caller's assertion
/// fails with the table). A worker adds a driver turn's counts when the turn returns,
/// which is after the turn woke the tasks; so the task that awaited the last timer can
/// finish, and `block_on` return, a moment before the worker has counted that timer.
fn settled(
    rt: &spindle::Runtime,
    done: impl Fn(&spindle::runtime::WorkerStats) -> bool,
) -> spindle::runtime::RuntimeStats {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let s = rt.stats();
        if done(&s.total()) || std::time::Instant::now() > deadline {
            return s;
        }
        std::thread::yield_now();
    }
}

#[test]
fn io_events_and_fired_timers_count_up_on_both_flavours() {
    for mut b in [Builder::new_current_thread(), Builder::new_multi_thread()] {
        let rt = b.worker_threads(2).build().unwrap();
        let before = rt.stats().total();
        assert_eq!((before.io_events, before.timers_fired), (0, 0));
        let registered = io_and_timers(&rt, 20, 5);
        let s = settled(&rt, |t| t.timers_fired >= registered as u64);
        let t = s.total();
        // Each round trip needs the server and the client to wait for readable data at
        // least once (a reply cannot be there before the request is sent)...
        assert!(t.io_events >= 20, "{s}");
        // ...and every sleep that registered a timer is woken by the timer wheel (several
        // may fire in one turn, so count timers, not turns). With deadlines 20 ms out,
        // all of them register unless the machine stalls this task for that long.
        assert!(registered >= 1, "no sleep was pending at its first poll");
        assert!(t.timers_fired >= registered as u64, "{s}");
        let (again, registered_again) = {
            let n = io_and_timers(&rt, 10, 3);
            let want = t.timers_fired + n as u64;
            (settled(&rt, |a| a.timers_fired >= want).total(), n)
        };
        assert!(again.io_events >= t.io_events + 10, "{}", rt.stats());
        assert!(
            again.timers_fired >= t.timers_fired + registered_again as u64,
            "{}",
            rt.stats()
        );
    }
}

#[test]
fn current_thread_busy_time_is_bounded_by_wall_time() {
    let rt = Builder::new_current_thread().build().unwrap();
    let start = std::time::Instant::now();
    rt.block_on(async {
        for _ in 0..1000 {
            spindle::task::yield_now().await;
        }
        spindle::time::sleep(Duration::from_millis(20)).await;
    });
    let wall = start.elapsed();
    let busy = rt.stats().total().busy;
    assert!(busy > Duration::ZERO);
    // The 20 ms sleep is spent parked, not busy.
    assert!(
        busy + Duration::from_millis(15) < wall,
        "busy {busy:?}, wall {wall:?}"
    );
}
