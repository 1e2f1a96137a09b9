//! Bounding a request, or `init`, by a timeout that costs nothing when the
//! work finishes quickly.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Sleep, sleep};

/// The work did not finish within its timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Elapsed;

pin_project_lite::pin_project! {
    /// The future of [`within`].
    pub(crate) struct Within<F> {
        #[pin]
        work: F,
        timeout: Option<Duration>,
        // The work was found pending once, and the task yielded.
        yielded: bool,
        timer: Option<Pin<Box<Sleep>>>,
    }
}

/// Runs `work` for at most `timeout` (no bound when `None`).
///
/// Most requests are answered within one round of the scheduler, and a tokio
/// timer entry, or even reading the clock, costs a good part of a call. So
/// when the work is pending the task first yields once, and only if the work
/// is still pending after that is the clock read and the timer created: the
/// timeout counts from then, at most one scheduler round after the work
/// began (no time at all on a paused clock). The timer is boxed: most of
/// these futures never create it, and it would otherwise make each of them
/// larger.
pub(crate) fn within<F: Future>(timeout: Option<Duration>, work: F) -> Within<F> {
    Within {
        work,
        timeout,
        yielded: false,
        timer: None,
    }
}

impl<F: Future> Future for Within<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.work.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let Some(timeout) = *this.timeout else {
            return Poll::Pending;
        };
        let timer = match this.timer {
            Some(timer) => timer,
            None if !*this.yielded => {
                *this.yielded = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            None => this.timer.insert(Box::pin(sleep(timeout))),
        };
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn work_done_at_once_needs_no_timer() {
        let outcome = within(Some(Duration::ZERO), async { 7 }).await;
        assert_eq!(outcome, Ok(7));
    }

    #[tokio::test(start_paused = true)]
    async fn pending_work_times_out_exactly_at_the_deadline() {
        let start = Instant::now();
        let outcome = within(
            Some(Duration::from_millis(250)),
            std::future::pending::<()>(),
        )
        .await;
        assert_eq!(outcome, Err(Elapsed));
        assert_eq!(start.elapsed(), Duration::from_millis(250));
    }

    #[tokio::test(start_paused = true)]
    async fn work_finishing_before_the_deadline_wins() {
        let work = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            "done"
        };
        let outcome = within(Some(Duration::from_millis(101)), work).await;
        assert_eq!(outcome, Ok("done"));
    }

    #[tokio::test(start_paused = true)]
    async fn no_timeout_waits_as_long_as_it_takes() {
        let work = async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            1
        };
        assert_eq!(within(None, work).await, Ok(1));
    }
}
