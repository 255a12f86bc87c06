//! Sockets and timers on the real runtime: both flavours, tasks on several workers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use spindle::io::{AsyncReadExt, AsyncWriteExt};
use spindle::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use spindle::runtime::Builder;

fn multi(workers: usize) -> spindle::Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

fn current() -> spindle::Runtime {
    Builder::new_current_thread().build().unwrap()
}

async fn echo_clients(clients: usize, round_trips: usize) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = spindle::spawn(async move {
        for _ in 0..clients {
            let (stream, _) = listener.accept().await.unwrap();
            spindle::spawn(async move {
                let (mut r, mut w) = stream.into_split();
                spindle::io::copy(&mut r, &mut w).await.unwrap();
            });
        }
    });
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            spindle::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                let mut buf = [0u8; 64];
                for i in 0..round_trips {
                    let msg = [(c + i) as u8; 64];
                    stream.write_all(&msg).await.unwrap();
                    stream.read_exact(&mut buf).await.unwrap();
                    assert_eq!(buf, msg);
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    server.await.unwrap();
}

#[test]
fn echo_on_a_multi_thread_runtime() {
    multi(2).block_on(echo_clients(16, 50));
}

#[test]
fn echo_on_a_current_thread_runtime() {
    current().block_on(echo_clients(8, 50));
}

#[test]
fn udp_and_unix_round_trips_on_the_runtime() {
    multi(2).block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b_addr = b.local_addr().unwrap();
        let pong = spindle::spawn(async move {
            let mut buf = [0u8; 8];
            for _ in 0..100 {
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                b.send_to(&buf[..n], from).await.unwrap();
            }
        });
        let mut buf = [0u8; 8];
        for i in 0..100u32 {
            a.send_to(&i.to_le_bytes(), b_addr).await.unwrap();
            let (n, _) = a.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &i.to_le_bytes());
        }
        pong.await.unwrap();

        let (mut x, mut y) = UnixStream::pair().unwrap();
        let echo = spindle::spawn(async move {
            let mut buf = [0u8; 5];
            y.read_exact(&mut buf).await.unwrap();
            y.write_all(&buf).await.unwrap();
        });
        x.write_all(b"unix!").await.unwrap();
        let mut back = [0u8; 5];
        x.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"unix!");
        echo.await.unwrap();
    });
}

/// A task waits on a socket while its worker is held busy by a hog: the readiness is
/// then picked up by the other worker, parked in the driver, and the task resumes there.
#[test]
fn readiness_wakes_a_task_that_last_ran_on_another_worker() {
    let rt = multi(2);
    for _ in 0..5 {
        let (before, after, hog_thread) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut peer = std::net::TcpStream::connect(addr).unwrap();
            let (mut stream, _) = listener.accept().await.unwrap();
            let release = Arc::new(AtomicBool::new(false));
            let hog_running = Arc::new(AtomicBool::new(false));
            let reader = spindle::spawn({
                let (release, hog_running) = (release.clone(), hog_running.clone());
                async move {
                    let before = std::thread::current().id();
                    // Spawned from this worker, the hog lands in its LIFO slot (which is
                    // not stealable) and runs here as soon as the read below waits.
                    let hog = spindle::spawn(async move {
                        hog_running.store(true, Ordering::Release);
                        let me = std::thread::current().id();
                        while !release.load(Ordering::Acquire) {
                            std::hint::spin_loop();
                        }
                        me
                    });
                    let mut byte = [0u8; 1];
                    stream.read_exact(&mut byte).await.unwrap();
                    let after = std::thread::current().id();
                    (before, after, hog)
                }
            });
            // Write only once the hog holds the reader's worker (so the read waited).
            let deadline = Instant::now() + Duration::from_secs(10);
            while !hog_running.load(Ordering::Acquire) {
                assert!(Instant::now() < deadline, "the hog never started");
                std::thread::yield_now();
            }
            std::io::Write::write_all(&mut peer, b"!").unwrap();
            let (before, after, hog) = reader.await.unwrap();
            release.store(true, Ordering::Release);
            (before, after, hog.await.unwrap())
        });
        let _: (ThreadId, ThreadId, ThreadId) = (before, after, hog_thread);
        assert_eq!(before, hog_thread, "the hog ran on the reader's worker");
        assert_ne!(after, before, "the reader resumed on the other worker");
    }
}

#[test]
fn sleeps_on_many_tasks_never_wake_early() {
    multi(2).block_on(async {
        let handles: Vec<_> = (0..1000u64)
            .map(|i| {
                spindle::spawn(async move {
                    let d = Duration::from_millis(1 + i % 20);
                    let start = Instant::now();
                    spindle::time::sleep(d).await;
                    assert!(start.elapsed() >= d, "woke early");
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
}

#[test]
fn timeout_on_the_runtime() {
    current().block_on(async {
        let slow = spindle::time::timeout(Duration::from_millis(5), std::future::pending::<()>());
        assert!(slow.await.is_err());
        let fast = spindle::time::timeout(Duration::from_secs(5), async { 3 }).await;
        assert_eq!(fast.unwrap(), 3);
    });
}

#[test]
fn dropping_the_runtime_ends_pending_io_with_an_error() {
    let rt = multi(2);
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let _peer = std::net::TcpStream::connect(addr).unwrap();
    let (stream, _) = rt.block_on(listener.accept()).unwrap();
    // A task that is dropped with the runtime never reports; a plain future that outlives
    // it sees the shutdown as an error.
    let mut stream = stream;
    drop(rt);
    let result = poll_on_this_thread(async move {
        let mut buf = [0u8; 1];
        stream.read(&mut buf).await
    });
    assert!(
        result.is_err(),
        "I/O after the runtime is gone must fail, not hang"
    );
}

/// Polls a future on this thread with a thread-unpark waker (no runtime), giving up
/// after ten seconds without progress.
fn poll_on_this_thread<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    for _ in 0..10 {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(Duration::from_secs(1));
    }
    panic!("the future made no progress for ten seconds")
}

/// Blocking jobs the pool ran, from a traced runtime's complete trace.
fn pool_jobs(rt: spindle::Runtime) -> usize {
    use spindle::trace::{EventKind, LaneKind};
    let handle = rt.handle().clone();
    drop(rt);
    let trace = handle.trace_snapshot().expect("traced");
    (trace.lanes.iter())
        .filter(|lane| lane.kind == LaneKind::PoolThread)
        .flat_map(|lane| &lane.events)
        .filter(|event| matches!(event.kind, EventKind::JobStart { .. }))
        .count()
}

#[test]
fn connect_resolves_a_name_on_the_blocking_pool_and_a_literal_without_it() {
    let traced = || {
        Builder::new_multi_thread()
            .worker_threads(2)
            .trace(true)
            .build()
            .unwrap()
    };
    let connect = |rt: &spindle::Runtime, name: bool| {
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let accept = spindle::spawn(async move { listener.accept().await.map(|_| ()) });
            // "localhost" may resolve to ::1 first, which refuses: connect tries the next.
            let target = if name {
                format!("localhost:{port}")
            } else {
                format!("127.0.0.1:{port}")
            };
            let stream = TcpStream::connect(target.as_str()).await.unwrap();
            assert_eq!(stream.peer_addr().unwrap().port(), port);
            accept.await.unwrap().unwrap();
        })
    };
    let rt = traced();
    connect(&rt, true);
    assert_eq!(
        pool_jobs(rt),
        1,
        "the name was resolved by one blocking job"
    );
    let rt = traced();
    connect(&rt, false);
    assert_eq!(pool_jobs(rt), 0, "a literal address needs no pool trip");

    // An address without a port is an error, not a panic (and asks no resolver).
    let rt = multi(1);
    let error = rt.block_on(TcpStream::connect("localhost")).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{error}");
}
