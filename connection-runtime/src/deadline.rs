//! Bounding a request, or `init`, by a timeout that costs nothing when the
//! work finishes quickly.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep, sleep};

/// A delay this long or longer is never over: no timer is armed for it
/// (30 years, tokio's own "far future"). Adding a larger one to an
/// instant can overflow, and tokio's timer adds a millisecond to every
/// deadline, so every delay the runtime is given passes through here.
pub(crate) const NEVER: Duration = Duration::from_secs(60 * 60 * 24 * 365 * 30);

/// The instant `after` from now, or `None` for a delay of [`NEVER`] or more.
pub(crate) fn instant_after(after: Duration) -> Option<Instant> {
    (after < NEVER).then(|| Instant::now() + after)
}

/// Sleeps for `after`, for ever if that is [`NEVER`] or more.
pub(crate) async fn sleep_for(after: Duration) {
    match instant_after(after) {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// A timeout, or none, in one word: nanoseconds, `u64::MAX` for none.
/// Clients are cloned into every task that uses them, and an
/// `Option<Duration>` takes two words. A timeout of [`NEVER`] or more is
/// none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeout(u64);

impl Timeout {
    /// No timeout: the work takes as long as it takes.
    pub(crate) const NONE: Timeout = Timeout(u64::MAX);

    /// A timeout of `duration`; none for [`NEVER`] or more.
    pub(crate) fn after(duration: Duration) -> Self {
        if duration >= NEVER {
            return Timeout::NONE;
        }
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        Timeout(nanos.min(u64::MAX - 1))
    }

    /// The duration, or `None` for [`Timeout::NONE`].
    pub(crate) fn duration(self) -> Option<Duration> {
        (self != Timeout::NONE).then(|| Duration::from_nanos(self.0))
    }
}

/// A rarely read timeout, or none, in half a word: milliseconds (rounded
/// up), `u32::MAX` for none; 49 days or more is none. For settings kept in
/// every connection's task, where a word more can take the task into a
/// larger allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CoarseTimeout(u32);

impl CoarseTimeout {
    /// A timeout of `duration`, to the millisecond above; none for 49 days
    /// or more.
    pub(crate) fn after(duration: Duration) -> Self {
        let millis = duration.as_nanos().div_ceil(1_000_000);
        CoarseTimeout(u32::try_from(millis).unwrap_or(u32::MAX))
    }

    /// The duration, or `None` for none.
    pub(crate) fn duration(self) -> Option<Duration> {
        (self.0 != u32::MAX).then(|| Duration::from_millis(u64::from(self.0)))
    }
}

/// The work did not finish within its timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Elapsed;

pin_project_lite::pin_project! {
    /// The future of [`within`].
    pub(crate) struct Within<F> {
        #[pin]
        work: F,
        timeout: Timeout,
        // The work was found pending once, and the task yielded.
        yielded: bool,
        timer: Option<Pin<Box<Sleep>>>,
    }
}

/// Runs `work` for at most `timeout` (no bound for [`Timeout::NONE`]).
///
/// Most requests are answered within one round of the scheduler, and a tokio
/// timer entry, or even reading the clock, costs a good part of a call. So
/// when the work is pending the task first yields once, and only if the work
/// is still pending after that is the clock read and the timer created: the
/// timeout counts from then, at most one scheduler round after the work
/// began (no time at all on a paused clock). The timer is boxed: most of
/// these futures never create it, and it would otherwise make each of them
/// larger.
pub(crate) fn within<F: Future>(timeout: Timeout, work: F) -> Within<F> {
    Within {
        work,
        timeout,
        yielded: false,
        timer: None,
    }
}

impl<F: Future> Future for Within<F> {
    type Output = Result<F::Output, Elapsed>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.work.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let Some(timeout) = this.timeout.duration() else {
            return Poll::Pending;
        };
        if this.timer.is_none() && !*this.yielded {
            *this.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        match poll_timer(this.timer, timeout, cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The work is still pending after the yield: the timer (made on the first
/// call) has fired, or not. Out of line: most requests never come here.
#[inline(never)]
fn poll_timer(
    timer: &mut Option<Pin<Box<Sleep>>>,
    timeout: Duration,
    cx: &mut Context<'_>,
) -> Poll<()> {
    timer
        .get_or_insert_with(|| Box::pin(sleep(timeout)))
        .as_mut()
        .poll(cx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn work_done_at_once_needs_no_timer() {
        let outcome = within(Timeout::after(Duration::ZERO), async { 7 }).await;
        assert_eq!(outcome, Ok(7));
    }

    #[tokio::test(start_paused = true)]
    async fn pending_work_times_out_exactly_at_the_deadline() {
        let start = Instant::now();
        let outcome = within(
            Timeout::after(Duration::from_millis(250)),
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
        let outcome = within(Timeout::after(Duration::from_millis(101)), work).await;
        assert_eq!(outcome, Ok("done"));
    }

    #[tokio::test(start_paused = true)]
    async fn no_timeout_waits_as_long_as_it_takes() {
        let work = async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            1
        };
        assert_eq!(within(Timeout::NONE, work).await, Ok(1));
    }

    #[test]
    fn a_coarse_timeout_keeps_its_duration_to_the_millisecond_above() {
        let coarse = |duration| CoarseTimeout::after(duration).duration();
        assert_eq!(coarse(Duration::ZERO), Some(Duration::ZERO));
        assert_eq!(
            coarse(Duration::from_nanos(1)),
            Some(Duration::from_millis(1))
        );
        assert_eq!(
            coarse(Duration::from_secs(10)),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            coarse(Duration::from_secs(49 * 24 * 3600)),
            Some(Duration::from_secs(49 * 24 * 3600))
        );
        assert_eq!(coarse(Duration::from_secs(50 * 24 * 3600)), None);
        assert_eq!(coarse(Duration::MAX), None);
        assert_eq!(std::mem::size_of::<CoarseTimeout>(), 4);
    }

    #[test]
    fn a_timeout_fits_one_word_and_keeps_its_duration() {
        assert_eq!(std::mem::size_of::<Timeout>(), 8);
        for duration in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_secs(5),
        ] {
            assert_eq!(Timeout::after(duration).duration(), Some(duration));
        }
        assert_eq!(Timeout::NONE.duration(), None);
        // 30 years or more is none.
        assert_eq!(Timeout::after(Duration::MAX).duration(), None);
        assert_eq!(Timeout::after(NEVER).duration(), None);
        let longest = NEVER - Duration::from_nanos(1);
        assert_eq!(Timeout::after(longest).duration(), Some(longest));
    }
}
