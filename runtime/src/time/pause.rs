//! Paused time: [`pause`], [`advance`], [`resume`] (and `Builder::start_paused`).
//!
//! A test that sleeps for an hour should not take an hour. Paused, the runtime's clock
//! (`driver/time/clock.rs`) stands still and moves only when told: by [`advance`], or by
//! the runtime itself when every task is idle — it then jumps straight to the next
//! timer's deadline instead of sleeping towards it (the *auto-advance*, in
//! `Driver::park`). So `sleep(Duration::from_secs(86400)).await` completes at once, with
//! `Instant::now()` exactly a day later, and an hour of one-second `interval` ticks runs
//! in milliseconds. Timers fire in deadline order, as they would in real time.
//!
//! Only a current-thread runtime can pause (tokio's rule): with several workers "every
//! task is idle" is a race between threads, and the jumps would not be reproducible.
//! `docs/determinism.md` says what else is and is not deterministic.

use std::time::Duration;

use crate::driver::handle;
use crate::driver::time::clock::ClockError;

/// Stops the current runtime's clock: from now on it moves only by [`advance`], or by
/// the auto-advance when every task is idle (see the module docs).
///
/// # Panics
/// Outside a runtime; on a multi-thread runtime (use `Builder::new_current_thread`,
/// which `#[spindle::test]` builds by default); if the clock is already paused.
#[track_caller]
pub fn pause() {
    let time = handle::current_time("spindle::time::pause");
    if let Err(e) = time.pause() {
        refuse("pause", e);
    }
}

/// Lets the paused clock run again, from where it stands (it does not jump back).
///
/// # Panics
/// Outside a runtime, or if the clock is not paused (call [`pause`] first).
#[track_caller]
pub fn resume() {
    let time = handle::current_time("spindle::time::resume");
    if let Err(e) = time.clock().resume() {
        refuse("resume", e);
    }
}

/// Moves the paused clock forward by `duration`, fires every timer due by then (in
/// deadline order), and yields once so the tasks they woke can run.
///
/// # Panics
/// Outside a runtime, or if the clock is not paused (call [`pause`] first).
pub async fn advance(duration: Duration) {
    let time = handle::current_time("spindle::time::advance");
    if let Err(e) = time.advance(duration) {
        refuse("advance", e);
    }
    YieldOnce(false).await;
}

/// Returns `Pending` once (waking itself first), so the tasks the fired timers woke,
/// which are queued already, run before the caller continues. (`task::yield_now` is a
/// layer above `time/`; this is all of it that `advance` needs.)
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

#[track_caller]
fn refuse(what: &str, e: ClockError) -> ! {
    match e {
        ClockError::NotPausable => panic!(
            "spindle::time::{what} needs a current-thread runtime: paused time is only \
             reproducible when one thread runs every task. Build the runtime with \
             Builder::new_current_thread() (the default of #[spindle::test]), or drop \
             flavor = \"multi_thread\""
        ),
        ClockError::AlreadyPaused => panic!(
            "spindle::time::pause called while the clock is already paused; call \
             spindle::time::resume() first, or pause only once"
        ),
        ClockError::NotPaused => panic!(
            "spindle::time::{what} needs a paused clock; call spindle::time::pause() first \
             (or build the runtime with Builder::start_paused(true))"
        ),
    }
}
