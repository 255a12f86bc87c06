//! Tests of sleep, timeout and interval, run on the bare drivers (`block_on_driver`).

use super::*;
use crate::driver::{block_on_driver, handle};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

fn timers_alive() -> usize {
    handle::current("test").time.timers()
}

#[test]
fn sleep_never_completes_early() {
    block_on_driver(async {
        for ms in [0u64, 1, 3, 12] {
            let start = Instant::now();
            sleep(Duration::from_millis(ms)).await;
            assert!(
                start.elapsed() >= Duration::from_millis(ms),
                "{ms} ms sleep woke early"
            );
        }
        assert_eq!(timers_alive(), 0, "completed sleeps leave no timer behind");
    });
}

#[test]
fn sleeps_complete_in_deadline_order() {
    // (poll pass in which it completed, its duration): sleeps due in the same
    // millisecond may complete in the same pass, but an earlier deadline never
    // completes in a later pass than a later one.
    let mut done = block_on_driver(async {
        let mut sleeps: Vec<(u64, Sleep)> = [9u64, 2, 6, 4, 1]
            .iter()
            .map(|&ms| (ms, sleep(Duration::from_millis(ms))))
            .collect();
        let mut done = Vec::new();
        let mut pass = 0;
        poll_fn(|cx| {
            pass += 1;
            sleeps.retain_mut(|(ms, s)| {
                let ready = Pin::new(s).poll(cx).is_ready();
                if ready {
                    done.push((pass, *ms));
                }
                !ready
            });
            if sleeps.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        done
    });
    done.sort_by_key(|&(_, ms)| ms);
    assert!(
        done.windows(2).all(|w| w[0].0 <= w[1].0),
        "completion passes out of deadline order: {done:?}"
    );
}

#[test]
fn zero_and_max_durations_work() {
    block_on_driver(async {
        sleep(Duration::ZERO).await;
        sleep_until(Instant::now() - Duration::from_secs(1)).await;
        let mut forever = sleep(Duration::MAX);
        poll_fn(|cx| {
            assert!(Pin::new(&mut forever).poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        assert_eq!(timers_alive(), 1);
        drop(forever);
        assert_eq!(timers_alive(), 0, "dropping a sleep cancels its timer");
    });
}

struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn timeout_elapses_and_drops_its_future() {
    let drops = Arc::new(AtomicUsize::new(0));
    let result = block_on_driver({
        let guard = DropCounter(drops.clone());
        async move {
            let never = async move {
                let _guard = guard;
                std::future::pending::<()>().await
            };
            timeout(Duration::from_millis(5), never).await
        }
    });
    assert!(result.is_err(), "the timeout elapsed");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "inner future dropped exactly once"
    );
}

#[test]
fn timeout_of_a_ready_future_registers_no_timer() {
    block_on_driver(async {
        let out = timeout(Duration::ZERO, async { 7 }).await;
        assert_eq!(
            out,
            Ok(7),
            "a ready future wins even against a zero timeout"
        );
        let mut t = timeout(Duration::from_secs(5), std::future::ready(1));
        poll_fn(|cx| {
            assert!(Pin::new(&mut t).poll(cx).is_ready());
            Poll::Ready(())
        })
        .await;
        assert_eq!(timers_alive(), 0);
    });
}

#[test]
fn many_concurrent_timers() {
    let n = if cfg!(miri) { 200 } else { 100_000 };
    let fired = block_on_driver(async move {
        let mut sleeps: Vec<Sleep> = (0..n)
            .map(|i| sleep(Duration::from_millis(1 + (i % 50) as u64)))
            .collect();
        let mut fired = 0;
        poll_fn(|cx| {
            sleeps.retain_mut(|s| {
                let done = Pin::new(s).poll_deadline(cx).is_ready();
                fired += usize::from(done);
                !done
            });
            if sleeps.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        fired
    });
    assert_eq!(fired, n);
}

#[test]
fn interval_ticks_on_schedule_and_handles_missed_ticks() {
    block_on_driver(async {
        let period = Duration::from_millis(4);
        let start = Instant::now();
        let mut every = interval(period);
        let first = every.tick().await;
        assert!(
            first >= start && first <= Instant::now(),
            "the first tick is at once"
        );
        let second = every.tick().await;
        assert!(Instant::now() >= second && second >= start + period);

        // Five periods behind: Burst fires the missed ticks back to back.
        let behind = Instant::now() - period * 5;
        let mut burst = interval_at(behind, period);
        for n in 0..=5u32 {
            assert_eq!(burst.tick().await, behind + period * n);
        }

        // Skip drops them: after the first late tick, the next is on the grid after now.
        let mut skip = interval_at(behind, period);
        skip.set_missed_tick_behavior(MissedTickBehavior::Skip);
        assert_eq!(skip.tick().await, behind);
        let next = skip.tick().await;
        assert!(next > behind + period * 5 && (next - behind).as_nanos() % period.as_nanos() == 0);

        // Delay restarts the schedule from the late tick.
        let mut delay = interval_at(behind, period);
        delay.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let late = Instant::now();
        assert_eq!(delay.tick().await, behind);
        assert!(delay.tick().await >= late + period);
    });
}

#[test]
#[should_panic(expected = "non-zero period")]
fn zero_period_interval_panics_with_a_message() {
    block_on_driver(async {
        let _ = interval(Duration::ZERO);
    });
}

#[test]
#[should_panic(expected = "inside a spindle runtime")]
fn sleep_outside_a_runtime_panics_with_a_message() {
    drop(sleep(Duration::from_millis(1)));
}
