//! Tests of the I/O driver on real loopback sockets.

use super::*;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// A waker that counts its wakes (shared with `scheduled_io`'s tests).
pub(super) struct CountingWaker(pub(super) AtomicUsize);
impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A counting waker and its counter.
pub(super) fn counting() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    (counter.clone(), Waker::from(counter))
}

/// A connected loopback TCP pair: the registered end (non-blocking, mio) and its plain
/// blocking peer. (Loopback TCP rather than a Unix socket pair: Miri emulates the former.)
fn pair() -> (mio::net::TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    ours.set_nonblocking(true).unwrap();
    (mio::net::TcpStream::from_std(ours), peer)
}

fn read_some(
    stream: &PollEvented<mio::net::TcpStream>,
    cx: &mut Context<'_>,
) -> Poll<io::Result<Vec<u8>>> {
    let mut buf = [0u8; 64];
    stream
        .poll_io(cx, Direction::Read, |s| {
            let mut s = s;
            s.read(&mut buf)
        })
        .map_ok(|n| buf[..n].to_vec())
}

/// Turns the driver until `done` holds, at most a bounded number of turns.
fn turn_until(driver: &mut IoDriver, mut done: impl FnMut() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        driver.turn(Some(Duration::from_secs(5))).unwrap();
    }
    panic!("condition not reached after 100 driver turns");
}

#[test]
fn an_event_wakes_the_reader_once_and_data_flows() {
    let mut driver = IoDriver::new().unwrap();
    let (a, mut b) = pair();
    let a = PollEvented::new(driver.shared(), a, mio::Interest::READABLE).unwrap();
    let (wakes, waker) = counting();
    let cx = &mut Context::from_waker(&waker);

    assert!(read_some(&a, cx).is_pending(), "nothing written yet");
    b.write_all(b"ping").unwrap();
    turn_until(&mut driver, || wakes.0.load(Ordering::SeqCst) > 0);
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    let Poll::Ready(Ok(data)) = read_some(&a, cx) else {
        panic!("readable after the event")
    };
    assert_eq!(data, b"ping");
    // Drained: the next read hits WouldBlock, clears readiness and waits again.
    assert!(read_some(&a, cx).is_pending());
    assert_eq!(driver.shared().registered(), 1);
    drop(a);
    assert_eq!(driver.shared().registered(), 0);
}

#[test]
fn peer_close_reads_as_end_of_stream() {
    let mut driver = IoDriver::new().unwrap();
    let (a, b) = pair();
    let a = PollEvented::new(driver.shared(), a, mio::Interest::READABLE).unwrap();
    let (wakes, waker) = counting();
    let cx = &mut Context::from_waker(&waker);
    assert!(read_some(&a, cx).is_pending());
    drop(b);
    turn_until(&mut driver, || wakes.0.load(Ordering::SeqCst) > 0);
    let Poll::Ready(Ok(data)) = read_some(&a, cx) else {
        panic!("end of stream")
    };
    assert!(data.is_empty());
}

#[test]
fn a_deregistered_source_lives_until_the_next_turn_starts() {
    let mut driver = IoDriver::new().unwrap();
    let (a, mut a_peer) = pair();
    let a = PollEvented::new(driver.shared(), a, mio::Interest::READABLE).unwrap();
    let io = Arc::downgrade(&a.registered.io);
    // An event for `a` is pending in epoll when `a` goes.
    a_peer.write_all(b"x").unwrap();
    drop(a);
    assert_eq!(driver.shared().registered(), 0, "the slot is free at once");
    assert_eq!(driver.shared().pending_release(), 1);
    assert!(
        io.upgrade().is_some(),
        "the ScheduledIo outlives the deregistration"
    );
    // The next turn releases it before epoll_wait, which reports nothing for `a`: the
    // source left epoll before it reached the pending list.
    assert_eq!(driver.turn(Some(Duration::ZERO)).unwrap(), 0);
    assert_eq!(driver.shared().pending_release(), 0);
    assert!(io.upgrade().is_none(), "released by the turn");

    // The slot is reused, and a real event for the new source wakes its reader.
    let (c, mut c_peer) = pair();
    let c = PollEvented::new(driver.shared(), c, mio::Interest::READABLE).unwrap();
    assert_eq!(driver.shared().registered(), 1);
    let (wakes, waker) = counting();
    assert!(read_some(&c, &mut Context::from_waker(&waker)).is_pending());
    c_peer.write_all(b"x").unwrap();
    turn_until(&mut driver, || wakes.0.load(Ordering::SeqCst) > 0);
}

#[test]
fn deregistering_drops_the_stored_wakers_at_once() {
    let driver = IoDriver::new().unwrap();
    let (a, _peer) = pair();
    let a = PollEvented::new(driver.shared(), a, mio::Interest::READABLE).unwrap();
    let (counter, waker) = counting();
    assert!(read_some(&a, &mut Context::from_waker(&waker)).is_pending());
    drop(waker);
    assert_eq!(Arc::strong_count(&counter), 2, "the source stores a clone");
    drop(a);
    // Still on the pending-release list, but without the waker: a task it kept alive
    // could own a socket of this driver, a cycle if no turn came again.
    assert_eq!(driver.shared().pending_release(), 1);
    assert_eq!(Arc::strong_count(&counter), 1);
}

#[test]
fn unpark_interrupts_a_blocked_turn() {
    let mut driver = IoDriver::new().unwrap();
    let shared = driver.shared().clone();
    let waker_thread = std::thread::spawn(move || shared.unpark().unwrap());
    // Blocks until the other thread's unpark: no timeout.
    assert_eq!(driver.turn(None).unwrap(), 0);
    waker_thread.join().unwrap();
}

#[test]
fn shutdown_wakes_waiters_with_an_error_and_refuses_new_sources() {
    let driver = IoDriver::new().unwrap();
    let (a, _b) = pair();
    let a = PollEvented::new(driver.shared(), a, mio::Interest::READABLE).unwrap();
    let (wakes, waker) = counting();
    let cx = &mut Context::from_waker(&waker);
    assert!(read_some(&a, cx).is_pending());
    driver.shared().shutdown();
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    assert!(matches!(read_some(&a, cx), Poll::Ready(Err(_))));
    let (c, _d) = pair();
    assert!(PollEvented::new(driver.shared(), c, mio::Interest::READABLE).is_err());
}

#[test]
fn loopback_tcp_accept_and_connect() {
    let mut driver = IoDriver::new().unwrap();
    let listener = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = PollEvented::new(driver.shared(), listener, mio::Interest::READABLE).unwrap();
    let (wakes, waker) = counting();
    let cx = &mut Context::from_waker(&waker);
    let accept = |cx: &mut Context<'_>| listener.poll_io(cx, Direction::Read, |l| l.accept());
    assert!(accept(cx).is_pending());
    let _client = std::net::TcpStream::connect(addr).unwrap();
    turn_until(&mut driver, || wakes.0.load(Ordering::SeqCst) > 0);
    let Poll::Ready(Ok((_stream, peer))) = accept(cx) else {
        panic!("a connection waits")
    };
    assert_eq!(peer.ip(), addr.ip());
}

#[test]
fn the_budget_makes_an_always_ready_source_yield() {
    let driver = IoDriver::new().unwrap();
    let (a, mut b) = pair();
    let a = PollEvented::new(driver.shared(), a, mio::Interest::READABLE).unwrap();
    b.write_all(&[7u8; 4096]).unwrap();
    // Readiness as if the driver had reported it.
    a.registered.io.set_readiness(1, Ready::READABLE);
    let (wakes, waker) = counting();
    let cx = &mut Context::from_waker(&waker);
    let mut reads = 0;
    crate::coop::with_budget(|| {
        while let Poll::Ready(Ok(_)) = a.poll_io(cx, Direction::Read, |s| {
            let mut s = s;
            s.read(&mut [0u8; 1])
        }) {
            reads += 1;
        }
    });
    assert_eq!(
        reads,
        crate::coop::BUDGET as usize,
        "yielded after the budget"
    );
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        1,
        "and asked to be polled again"
    );
}
