//! [`yield_now`]: give the worker to the other tasks once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Returns `Pending` once (after waking the task), so the task goes to the back of the
/// run queue and the scheduler runs others before polling it again.
///
/// The self-wake happens while the task is RUNNING, so it only sets NOTIFIED; the poller
/// then re-queues the task behind the others (rule 6 of the task module), never into
/// the LIFO slot.
pub async fn yield_now() {
    struct YieldNow(bool);
    impl Future for YieldNow {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
    YieldNow(false).await
}
