//! The shared state of one registered I/O source: its readiness and who waits on it.
//!
//! ## The state word
//! One `AtomicUsize`, written by the driver when an event arrives and by tasks when an
//! operation hits `WouldBlock`:
//!
//! | bits    | field     | meaning                                                    |
//! |---------|-----------|------------------------------------------------------------|
//! | 0..5    | readiness | [`Ready`] bits the kernel reported and nobody has disproved |
//! | 5       | SHUTDOWN  | the driver is gone: every wait ends with an error (final)   |
//! | 8..     | tick      | the driver turn that last set readiness                    |
//!
//! ## The protocol
//! 1. The driver, on an event in turn `t`: sets the event's readiness bits and tick `t`
//!    in one atomic update, THEN locks the waiter slots and wakes the tasks whose
//!    direction the event readies.
//! 2. A task, in `poll_ready`: if its direction's bits are set, it returns them with the
//!    tick it saw (a [`ReadyEvent`]) and tries the operation. If not, it locks the waiter
//!    slots, stores its waker, and reads the state word AGAIN before unlocking.
//! 3. A task whose operation returned `WouldBlock` clears the bits of its `ReadyEvent`,
//!    but only if the tick is still the one it saw (a compare-and-swap).
//!
//! Why no wakeup is lost (rule 2's second read): either the driver's update is ordered
//! before that read, and the task sees the bits and does not sleep; or it is ordered
//! after it, and then the driver's lock comes after the task's unlock, so the driver
//! finds the stored waker.
//!
//! Why no readiness is lost (rule 3's tick check): mio is edge-triggered, so the kernel
//! reports data that arrives after a `WouldBlock` exactly once. If that report lands
//! between the failed operation and the clear, the tick has moved on and the clear is
//! skipped, so the task tries again instead of waiting for an edge that already came.
//! (The design is tokio's `ScheduledIo`; the waiter slots here are two plain `Option`s
//! under a mutex, one per direction, instead of tokio's intrusive list.)

use std::io;
use std::task::{Context, Poll, Waker};

use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};

use super::ready::{Direction, Ready};

const SHUTDOWN: usize = 1 << 5;
const TICK_SHIFT: u32 = 8;
const READINESS_MASK: usize = Ready::ALL.bits();

/// Readiness seen by a task, with the driver tick that produced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReadyEvent {
    pub(crate) ready: Ready,
    tick: usize,
}

/// One waker slot per direction.
#[derive(Debug, Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

/// Readiness and waiters of one source.
#[derive(Debug)]
pub(crate) struct ScheduledIo {
    state: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl Default for ScheduledIo {
    fn default() -> Self {
        ScheduledIo {
            state: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
        }
    }
}

fn tick_of(state: usize) -> usize {
    state >> TICK_SHIFT
}

/// The error every wait returns once the runtime has shut down.
pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other("the spindle runtime that drove this I/O object has shut down")
}

impl ScheduledIo {
    /// Rule 1, first half: records readiness from driver turn `tick`; the driver calls
    /// [`ScheduledIo::wake`] next.
    pub(crate) fn set_readiness(&self, tick: usize, ready: Ready) {
        let _ = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                let kept = state & (READINESS_MASK | SHUTDOWN);
                Some(kept | ready.bits() | (tick << TICK_SHIFT))
            });
    }

    /// Rule 1, second half: wakes the tasks waiting in a direction that `ready` serves.
    pub(crate) fn wake(&self, ready: Ready) {
        let (reader, writer) = {
            let mut waiters = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
            let reader = if ready.intersects(Direction::Read.mask()) {
                waiters.reader.take()
            } else {
                None
            };
            let writer = if ready.intersects(Direction::Write.mask()) {
                waiters.writer.take()
            } else {
                None
            };
            (reader, writer)
        };
        // Wake outside the lock: a waker may run scheduler code.
        reader.into_iter().chain(writer).for_each(Waker::wake);
    }

    /// Takes the stored wakers out (the source left epoll: nobody will wake them). The
    /// caller drops them outside any driver lock: dropping a waker may drop a task.
    pub(crate) fn take_waiters(&self) -> (Option<Waker>, Option<Waker>) {
        let mut waiters = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
        (waiters.reader.take(), waiters.writer.take())
    }

    /// Marks the source dead (its driver is gone) and wakes both directions; from now on
    /// every `poll_ready` returns an error.
    pub(crate) fn shutdown(&self) {
        self.state.fetch_or(SHUTDOWN, Ordering::AcqRel);
        self.wake(Ready::ALL);
    }

    /// Rule 2: readiness for `direction`, or `Pending` with the task's waker stored.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.ready_now(direction) {
            return Poll::Ready(ready);
        }
        let mut waiters = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
        let slot = match direction {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        match slot {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        // The second read, under the lock (see the module header).
        match self.ready_now(direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// The readiness recorded for `direction` now, without waiting (`None`: not ready).
    pub(crate) fn ready_now(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        let state = self.state.load(Ordering::Acquire);
        if state & SHUTDOWN != 0 {
            return Some(Err(shutdown_error()));
        }
        let ready = Ready::from_bits(state) & direction.mask();
        (!ready.is_empty()).then_some(Ok(ReadyEvent {
            ready,
            tick: tick_of(state),
        }))
    }

    /// Rule 3: forgets the readiness in `event` after an operation hit `WouldBlock`,
    /// unless a newer driver turn has set readiness since `event` was seen.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = event.ready - Ready::FINAL;
        let _ = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                (tick_of(state) == event.tick).then_some(state & !clear.bits())
            });
    }

    /// The readiness bits currently recorded (for tests and stats).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn readiness(&self) -> Ready {
        Ready::from_bits(self.state.load(Ordering::Acquire))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::super::tests::counting;
    use super::*;

    #[test]
    fn readiness_wakes_only_the_matching_direction() {
        let io = ScheduledIo::default();
        let (reads, read_waker) = counting();
        let (writes, write_waker) = counting();
        assert!(
            io.poll_ready(&mut Context::from_waker(&read_waker), Direction::Read)
                .is_pending()
        );
        assert!(
            io.poll_ready(&mut Context::from_waker(&write_waker), Direction::Write)
                .is_pending()
        );
        io.set_readiness(1, Ready::READABLE);
        io.wake(Ready::READABLE);
        assert_eq!(reads.0.load(Ordering::SeqCst), 1);
        assert_eq!(writes.0.load(Ordering::SeqCst), 0);
        let Poll::Ready(Ok(event)) =
            io.poll_ready(&mut Context::from_waker(&read_waker), Direction::Read)
        else {
            panic!("readable after the event")
        };
        assert_eq!(event.ready, Ready::READABLE);
    }

    #[test]
    fn clear_skips_when_a_newer_tick_arrived() {
        let io = ScheduledIo::default();
        let cx = &mut Context::from_waker(Waker::noop());
        io.set_readiness(1, Ready::READABLE);
        let Poll::Ready(Ok(seen)) = io.poll_ready(cx, Direction::Read) else {
            panic!()
        };
        // An event lands between the failed read and the clear...
        io.set_readiness(2, Ready::READABLE);
        io.clear_readiness(seen);
        // ...so the source still counts as readable.
        assert!(io.poll_ready(cx, Direction::Read).is_ready());
        let Poll::Ready(Ok(seen)) = io.poll_ready(cx, Direction::Read) else {
            panic!()
        };
        io.clear_readiness(seen);
        assert!(io.poll_ready(cx, Direction::Read).is_pending());
    }

    #[test]
    fn closed_bits_survive_a_clear() {
        let io = ScheduledIo::default();
        let cx = &mut Context::from_waker(Waker::noop());
        io.set_readiness(1, Ready::READABLE | Ready::READ_CLOSED);
        let Poll::Ready(Ok(seen)) = io.poll_ready(cx, Direction::Read) else {
            panic!()
        };
        io.clear_readiness(seen);
        assert_eq!(io.readiness(), Ready::READ_CLOSED);
        assert!(io.poll_ready(cx, Direction::Read).is_ready());
    }

    #[test]
    fn shutdown_wakes_both_and_errors() {
        let io = ScheduledIo::default();
        let (reads, read_waker) = counting();
        let (writes, write_waker) = counting();
        let _ = io.poll_ready(&mut Context::from_waker(&read_waker), Direction::Read);
        let _ = io.poll_ready(&mut Context::from_waker(&write_waker), Direction::Write);
        io.shutdown();
        assert_eq!(reads.0.load(Ordering::SeqCst), 1);
        assert_eq!(writes.0.load(Ordering::SeqCst), 1);
        let cx = &mut Context::from_waker(Waker::noop());
        assert!(matches!(
            io.poll_ready(cx, Direction::Read),
            Poll::Ready(Err(_))
        ));
    }

    #[test]
    fn a_waker_registered_again_replaces_the_old_one() {
        let io = ScheduledIo::default();
        let (first, first_waker) = counting();
        let (second, second_waker) = counting();
        let _ = io.poll_ready(&mut Context::from_waker(&first_waker), Direction::Read);
        let _ = io.poll_ready(&mut Context::from_waker(&second_waker), Direction::Read);
        io.set_readiness(1, Ready::READABLE);
        io.wake(Ready::READABLE);
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::sync::Arc;
    use crate::loom::sync::atomic::AtomicBool;
    use crate::loom::thread;
    use std::task::Wake;

    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// Rule 2 against rule 1: a task that goes to wait while the driver reports an
    /// event either sees the readiness or is woken.
    #[test]
    fn loom_event_vs_wait_loses_no_wakeup() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::default());
            let driver = {
                let io = io.clone();
                thread::spawn(move || {
                    io.set_readiness(1, Ready::READABLE);
                    io.wake(Ready::READABLE);
                })
            };
            let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let saw_ready = io
                .poll_ready(&mut Context::from_waker(&waker), Direction::Read)
                .is_ready();
            driver.join().unwrap();
            assert!(saw_ready || flag.0.load(Ordering::SeqCst), "lost wakeup");
        });
    }

    /// Rule 3 against rule 1: a clear racing a newer event never hides the event.
    #[test]
    fn loom_clear_vs_new_event_keeps_readiness() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::default());
            io.set_readiness(1, Ready::READABLE);
            let cx = &mut Context::from_waker(Waker::noop());
            let Poll::Ready(Ok(seen)) = io.poll_ready(cx, Direction::Read) else {
                panic!("readable")
            };
            let driver = {
                let io = io.clone();
                thread::spawn(move || io.set_readiness(2, Ready::READABLE))
            };
            io.clear_readiness(seen);
            driver.join().unwrap();
            assert!(io.poll_ready(cx, Direction::Read).is_ready(), "event lost");
        });
    }
}
