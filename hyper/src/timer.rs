//! `SpindleTimer`: hyper's [`Timer`](hyper::rt::Timer) over spindle's timing wheel.
//!
//! hyper arms timers for the HTTP/1 header-read timeout, keep-alive idle time and HTTP/2
//! keep-alive pings, and moves them often (each new request resets the idle timer). So
//! `reset` matters: when the boxed sleep is one of ours it moves the existing wheel entry
//! in place ([`spindle::time::Sleep::reset`], O(1), no allocation); only a foreign sleep
//! is replaced by a new one. Spotting "one of ours" uses hyper's own
//! `downcast_mut_pin` on `dyn Sleep`, the way hyper-util's tokio timer does.
//!
//! Sleeps are created on hyper's call, inside the connection's poll, so they belong to
//! the runtime that polls the connection: use the timer for connections driven by
//! spindle tasks (which is what [`serve`](crate::serve) and [`client`](crate::client) do).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// hyper's timer on spindle's wheel.
///
/// ```
/// use hyper::rt::Timer;
/// let rt = spindle::Runtime::new().unwrap();
/// rt.block_on(async {
///     let timer = spindle_hyper::SpindleTimer::new();
///     let start = std::time::Instant::now();
///     let mut sleep = timer.sleep(std::time::Duration::from_secs(3600));
///     timer.reset(&mut sleep, start + std::time::Duration::from_millis(5));
///     sleep.await;
///     assert!(start.elapsed() >= std::time::Duration::from_millis(5));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SpindleTimer {
    _private: (),
}

impl SpindleTimer {
    /// The timer. It holds nothing: each sleep registers in the wheel of the runtime
    /// whose task creates it.
    pub fn new() -> SpindleTimer {
        SpindleTimer { _private: () }
    }
}

/// A spindle `Sleep` that hyper can hold as `Pin<Box<dyn hyper::rt::Sleep>>`.
struct SpindleSleep {
    inner: spindle::time::Sleep,
}

impl Future for SpindleSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // spindle's Sleep is Unpin (its timer lives in the wheel's slab).
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl hyper::rt::Sleep for SpindleSleep {}

impl hyper::rt::Timer for SpindleTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(SpindleSleep {
            inner: spindle::time::sleep(duration),
        })
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(SpindleSleep {
            inner: spindle::time::sleep_until(deadline.into()),
        })
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<SpindleSleep>() {
            Some(ours) => ours.get_mut().inner.reset(new_deadline.into()),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}
