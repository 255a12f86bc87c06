//! `Handle::dump` / `Runtime::dump`: the live tasks, their state, spawn location, polls,
//! and what each waits on, taken from another thread while the runtime runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use spindle::runtime::{TaskDump, TaskState, Wait};
use spindle::sync::{Mutex, mpsc};
use spindle::task::{Id, LocalSet};
use spindle_tests::both_flavours;
use spindle_tests::watchdog::Watchdog;

/// Dumps until `ok` holds for task `id` (a task reaches its `Pending` a moment after it
/// is spawned); gives up after 10 s.
fn dump_until(
    dump: impl Fn() -> TaskDump,
    id: Id,
    ok: impl Fn(&spindle::runtime::TaskInfo) -> bool,
) -> TaskDump {
    let start = Instant::now();
    loop {
        let d = dump();
        if d.get(id).is_some_and(&ok) {
            return d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "task {id} never matched:\n{d}"
        );
        std::thread::yield_now();
    }
}

#[test]
fn dump_names_what_each_task_waits_on_on_both_flavours() {
    let _w = Watchdog::new("dump_names_what_each_task_waits_on_on_both_flavours", 60);
    for rt in both_flavours() {
        let handle = rt.handle().clone();
        let lock = Arc::new(Mutex::new(()));
        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        // The runtime is driven by a thread of its own (block_on on current_thread);
        // this thread only dumps.
        let driver = {
            let lock = lock.clone();
            let handle = handle.clone();
            std::thread::spawn(move || {
                handle.block_on(async move {
                    let guard = lock.clone().try_lock_owned().unwrap(); // held: the locker below waits
                    let sleeper = spindle::task::Builder::new()
                        .name("sleeper")
                        .spawn(spindle::time::sleep(Duration::from_secs(600)))
                        .unwrap();
                    let sleeper_line = line!() - 2; // the `.spawn(` line
                    let sleeper_id = sleeper.id();
                    let joiner = spindle::spawn(async move { sleeper.await.is_err() });
                    let receiver = spindle::spawn(async move { rx.recv().await });
                    let locker = spindle::spawn({
                        let lock = lock.clone();
                        async move { drop(lock.lock().await) }
                    });
                    let blocking = spindle::task::spawn_blocking(move || stop_rx.recv().is_ok());
                    (
                        [
                            sleeper_id,
                            joiner.id(),
                            receiver.id(),
                            locker.id(),
                            blocking.id(),
                        ],
                        sleeper_line,
                        guard,
                        (joiner, receiver, locker, blocking),
                    )
                })
            })
        };
        let (ids, sleeper_line, guard, (joiner, receiver, locker, blocking)) =
            driver.join().unwrap();
        let [sleeper, joiner_id, receiver_id, locker_id, blocking_id] = ids;
        let d = || handle.dump();
        // For current_thread, the tasks run while someone drives the runtime: drive it on
        // a thread until we say stop (a future that waits on `done`).
        let (done_tx, done_rx) = spindle::sync::oneshot::channel::<()>();
        let runner = {
            let handle = handle.clone();
            std::thread::spawn(move || handle.block_on(async move { done_rx.await.ok() }))
        };
        let dump = dump_until(d, sleeper, |t| matches!(t.waiting_on, Some(Wait::Sleep(_))));
        let s = dump.get(sleeper).unwrap();
        assert_eq!(s.name.as_deref(), Some("sleeper"));
        assert_eq!(s.state, TaskState::Idle);
        assert_eq!(s.polls, 1, "one poll registered the timer");
        let loc = s.location.expect("spawn location recorded");
        assert!(loc.file().ends_with("rt_dump.rs"), "{loc}");
        assert_eq!(loc.line(), sleeper_line);
        dump_until(d, joiner_id, |t| {
            t.waiting_on == Some(Wait::Join(sleeper.as_u64()))
        });
        dump_until(d, receiver_id, |t| t.waiting_on == Some(Wait::MpscRecv));
        dump_until(d, locker_id, |t| t.waiting_on == Some(Wait::MutexLock));
        let dump = dump_until(d, blocking_id, |t| matches!(t.state, TaskState::Running(_)));
        let text = dump.to_string();
        for needle in [
            "sleeper",
            "sleep until +",
            "mpsc::recv",
            "Mutex::lock",
            "JoinHandle of task",
            "rt_dump.rs:",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
        // Sorted by state: the running blocking task first.
        assert_eq!(dump.tasks[0].id, blocking_id, "{text}");
        // Unblock everything; the dump empties as the tasks finish.
        drop(guard);
        tx.send(1).unwrap();
        stop_tx.send(()).unwrap();
        let waits = handle.block_on(async move {
            (
                locker.await.unwrap(),
                receiver.await.unwrap(),
                blocking.await.unwrap(),
            )
        });
        assert_eq!(waits, ((), Some(1), true));
        joiner.abort();
        done_tx.send(()).unwrap();
        runner.join().unwrap();
        drop(rt);
    }
}

#[test]
fn dump_lists_local_set_tasks() {
    let _w = Watchdog::new("dump_lists_local_set_tasks", 30);
    for rt in both_flavours() {
        let local = LocalSet::new();
        let handle = rt.handle().clone();
        let dumped = local.block_on(&rt, async move {
            let (_tx, mut rx) = mpsc::unbounded_channel::<()>();
            let h = spindle::task::spawn_local(async move { rx.recv().await });
            spindle::task::yield_now().await; // the set runs `h` to its Pending
            spindle::task::yield_now().await;
            let d = std::thread::scope(|s| s.spawn(|| handle.dump()).join().unwrap());
            let t = d.get(h.id()).cloned().expect("local task listed");
            h.abort();
            t
        });
        assert_eq!(dumped.waiting_on, Some(Wait::MpscRecv));
        assert_eq!(dumped.state, TaskState::Idle);
    }
}

#[test]
fn dump_shows_a_socket_read_with_both_addresses() {
    let _w = Watchdog::new("dump_shows_a_socket_read_with_both_addresses", 30);
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let reader = rt.spawn(async move {
        let mut s = spindle::net::TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 8];
        futures_util::AsyncReadExt::read(&mut s, &mut buf)
            .await
            .unwrap()
    });
    let (mut peer, peer_addr) = listener.accept().unwrap();
    let id = reader.id();
    let dump = dump_until(
        || rt.dump(),
        id,
        |t| matches!(t.waiting_on, Some(Wait::Read(_))),
    );
    let text = dump.to_string();
    let expect = format!("read on {peer_addr} <- {addr}");
    assert!(text.contains(&expect), "{expect} missing from\n{text}");
    std::io::Write::write_all(&mut peer, b"hi").unwrap();
    assert_eq!(rt.block_on(reader).unwrap(), 2);
}
