//! Callbacks under the shutdown timeout: once a stop is asked for from
//! outside (a client's `stop`, the last client gone), a callback that does
//! not finish within `Options::shutdown_timeout` is cancelled, so that a
//! stop never waits for ever on a `connect` to an address that never
//! answers. Panics are caught as by [`poll_catching`](crate::panic::poll_catching).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::futures::Notified;
use tokio::time::{Sleep, sleep_until};

use crate::deadline::instant_after;
use crate::panic::{PanicMessage, poll_catching};
use crate::reply::{dropping_as_stopped, end_of_poll};
use crate::status::Status;

/// Why a callback did not return.
#[derive(Debug)]
pub(crate) enum Interrupted {
    /// It panicked, with this message.
    Panic(PanicMessage),
    /// A stop was asked for and it ran past the shutdown timeout.
    Shutdown,
}

pin_project_lite::pin_project! {
    /// The future of [`bounded`].
    pub(crate) struct Bounded<'s, F> {
        // `None` once cancelled: dropped in place, its `ReplyTo`s telling
        // their callers the stop's reason.
        #[pin]
        callback: Option<F>,
        status: &'s Status,
        // Made when the callback is first found waiting, and boxed: most
        // callbacks return at once, and this future is part of every
        // connection's memory.
        watch: Option<Pin<Box<Watch<'s>>>>,
    }
}

pin_project_lite::pin_project! {
    /// Waits for a shutdown to be asked for, then for the timeout.
    struct Watch<'s> {
        #[pin]
        changed: Notified<'s>,
        #[pin]
        timer: Option<Sleep>,
        // When the callback was first found waiting, with trace events on:
        // its whole duration is told when it returns.
        started: Option<std::time::Instant>,
    }
}

/// Runs `callback`, catching its panic, and cancelling it (dropping it
/// where it waits) if it is still running the status's shutdown timeout
/// after a stop was asked for from outside the connection.
#[inline(always)]
pub(crate) fn bounded<F: Future>(status: &Status, callback: F) -> Bounded<'_, F> {
    Bounded {
        callback: Some(callback),
        status,
        watch: None,
    }
}

impl<F: Future> Future for Bounded<'_, F> {
    type Output = Result<F::Output, Interrupted>;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(callback) = this.callback.as_mut().as_pin_mut() else {
            // Cancelled already.
            return Poll::Ready(Err(Interrupted::Shutdown));
        };
        let running = this.status.running_callback();
        // With trace events on, how long each poll held the executor.
        let polled = if tracing::level_enabled!(tracing::Level::TRACE) {
            poll_timed(callback, cx)
        } else {
            poll_catching(callback, cx)
        };
        drop(running);
        end_of_poll();
        match polled {
            Poll::Ready(outcome) => {
                if let Some(started) = this.watch.as_ref().and_then(|watch| watch.started) {
                    report_done(started.elapsed());
                }
                Poll::Ready(outcome.map_err(Interrupted::Panic))
            }
            // The callback waits: from now on, a shutdown asked for must
            // not wait for it for ever.
            Poll::Pending => match watch(this.status, this.watch, cx) {
                Poll::Ready(()) => {
                    let reason = this.status.shutdown_reason();
                    dropping_as_stopped(&reason, || this.callback.set(None));
                    Poll::Ready(Err(Interrupted::Shutdown))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// A poll this long blocked the executor: everything else on its thread
/// waited.
const BLOCKING_POLL: std::time::Duration = std::time::Duration::from_millis(10);

/// Polls `callback` and tells how long the poll took (only with trace
/// events on: reading the clock twice a callback is not free), warning when
/// it blocked the executor.
#[cold]
#[inline(never)]
fn poll_timed<F: Future>(
    callback: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, PanicMessage>> {
    let started = std::time::Instant::now();
    let polled = poll_catching(callback, cx);
    report_poll(started.elapsed());
    polled
}

/// Traces one poll's time; warns when it blocked the executor.
fn report_poll(elapsed: std::time::Duration) {
    let poll_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    tracing::trace!(poll_us, "callback polled");
    if elapsed >= BLOCKING_POLL {
        tracing::warn!(
            poll_us,
            "a callback blocked the executor in one poll: move blocking work to `spawn_blocking` or a task of its own"
        );
    }
}

/// Ready once a shutdown was asked for and the shutdown timeout has passed
/// since it was first seen here. Out of line: only a waiting callback
/// comes here.
#[inline(never)]
fn watch<'s>(
    status: &'s Status,
    watch: &mut Option<Pin<Box<Watch<'s>>>>,
    cx: &mut Context<'_>,
) -> Poll<()> {
    let timeout = status.shutdown_timeout().duration();
    let traced = tracing::level_enabled!(tracing::Level::TRACE);
    if timeout.is_none() && !traced {
        return Poll::Pending;
    }
    let watch = watch.get_or_insert_with(|| {
        Box::pin(Watch {
            // Made before the first look at the state: a shutdown asked for
            // in between still wakes it.
            changed: status.changed(),
            timer: None,
            started: traced.then(std::time::Instant::now),
        })
    });
    match timeout {
        Some(timeout) => watch.as_mut().poll_expired(status, timeout, cx),
        None => Poll::Pending,
    }
}

/// A callback that waited has returned: how long it took from its first
/// wait (trace level).
#[cold]
#[inline(never)]
fn report_done(waited: std::time::Duration) {
    let waited_us = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
    tracing::trace!(waited_us, "callback returned after waiting");
}

impl<'s> Watch<'s> {
    /// Ready once a shutdown was asked for and `timeout` has passed since
    /// it was first seen here.
    fn poll_expired(
        self: Pin<&mut Self>,
        status: &'s Status,
        timeout: std::time::Duration,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let mut this = self.project();
        loop {
            if let Some(timer) = this.timer.as_mut().as_pin_mut() {
                return timer.poll(cx);
            }
            if status.is_shutting_down() {
                match instant_after(timeout) {
                    Some(deadline) => this.timer.set(Some(sleep_until(deadline))),
                    // `Timeout` keeps no bound that long.
                    None => return Poll::Pending,
                }
                continue;
            }
            match this.changed.as_mut().poll(cx) {
                // Something changed: look again, registered anew first.
                Poll::Ready(()) => this.changed.set(status.changed()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::deadline::Timeout;

    #[tokio::test(start_paused = true)]
    async fn a_callback_that_returns_is_not_bounded_whatever_is_asked() {
        let status = Status::new(Timeout::after(Duration::ZERO));
        status.ask_shutdown(None);
        let outcome = bounded(&status, async { 7 }).await;
        assert!(matches!(outcome, Ok(7)));
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_shutdown_a_waiting_callback_is_left_alone() {
        let status = Status::new(Timeout::after(Duration::from_secs(1)));
        let slow = async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            "done"
        };
        let outcome = bounded(&status, slow).await;
        assert!(matches!(outcome, Ok("done")));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_callback_is_cancelled_the_timeout_after_the_shutdown() {
        let status = Status::new(Timeout::after(Duration::from_secs(5)));
        let start = tokio::time::Instant::now();
        let asking = async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            status.ask_shutdown(None);
        };
        let (outcome, ()) = tokio::join!(bounded(&status, std::future::pending::<()>()), asking);
        assert!(matches!(outcome, Err(Interrupted::Shutdown)));
        assert_eq!(start.elapsed(), Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_is_caught() {
        let status = Status::new(Timeout::NONE);
        let outcome = bounded(&status, async { panic!("boom") }).await;
        assert!(matches!(outcome, Err(Interrupted::Panic(message)) if *message == "boom"));
    }
}
