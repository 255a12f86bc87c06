//! Workload helpers shared by the criterion benches in `benches/benches/`.
//!
//! Both runtimes in a comparison use these same helpers, so the only difference measured
//! is the runtime: [`oneshot`] is a minimal runtime-neutral channel (the ping-pong
//! workload needs one and the spindle channels live elsewhere), and [`stall`] is the
//! 10 µs busy-wait of tokio's scheduler benches.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Busy-waits 10 µs (a task doing a little CPU work between yields).
pub fn stall() {
    let start = Instant::now();
    while start.elapsed() < Duration::from_micros(10) {
        std::hint::spin_loop();
    }
}

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

/// Sending half of [`oneshot`].
pub struct Sender<T>(Arc<Mutex<Slot<T>>>);
/// Receiving half of [`oneshot`]: a future of the value.
pub struct Receiver<T>(Arc<Mutex<Slot<T>>>);

/// A one-value channel over a mutex (no runtime-specific parts).
pub fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let s = Arc::new(Mutex::new(Slot {
        value: None,
        waker: None,
    }));
    (Sender(s.clone()), Receiver(s))
}

impl<T> Sender<T> {
    /// Stores the value and wakes the receiver.
    pub fn send(self, value: T) {
        let waker = {
            let mut s = self.0.lock().unwrap();
            s.value = Some(value);
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.0.lock().unwrap();
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
