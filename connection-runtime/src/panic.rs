//! Turning a panic in a callback into a value the state machine can act on.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project_lite::pin_project! {
    /// The future of [`catch_panic`].
    ///
    /// A struct rather than an `async fn`: an `async fn` would keep the
    /// wrapped future twice (the argument, and the pinned local it is moved
    /// into), and the handler's future is the largest part of a connection's
    /// task.
    pub(crate) struct CatchPanic<F> {
        #[pin]
        future: F,
    }
}

/// The message of a panic caught in a callback. Boxed: every handler's
/// result travels through the loop, and a thin pointer moves in a register
/// where a `String` is three words to copy.
pub(crate) type PanicMessage = Box<String>;

/// Drives `future` to completion, returning the panic's message if a poll
/// panics.
///
/// Unwind safety is asserted because a panicking callback stops the
/// connection: the only code that still sees the state afterwards is
/// `terminate`, and it sees the state as the panic left it (the original
/// gives `terminate` the state from before the crashing callback, which a
/// `&mut self` callback cannot offer without a copy).
pub(crate) fn catch_panic<F: Future>(future: F) -> CatchPanic<F> {
    CatchPanic { future }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, PanicMessage>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        poll_catching(self.project().future, cx)
    }
}

/// Polls `future`, returning the panic's message if the poll panics.
#[inline(always)]
pub(crate) fn poll_catching<F: Future>(
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, PanicMessage>> {
    match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
        Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(payload) => Poll::Ready(Err(Box::new(panic_message(payload.as_ref())))),
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn returns_the_output_of_a_future_that_completes() {
        assert_eq!(catch_panic(async { 7 }).await, Ok(7));
    }

    #[tokio::test]
    async fn returns_the_message_of_a_str_or_string_panic() {
        let fixed = catch_panic(async { panic!("fixed") }).await;
        assert_eq!(fixed, Err::<(), _>(Box::new("fixed".to_owned())));
        let formatted = catch_panic(async { panic!("formatted {}", 42) }).await;
        assert_eq!(formatted, Err::<(), _>(Box::new("formatted 42".to_owned())));
    }

    #[tokio::test]
    async fn catches_a_panic_after_the_future_was_pending() {
        let result = catch_panic(async {
            tokio::task::yield_now().await;
            std::panic::panic_any(17_u8)
        })
        .await;
        assert_eq!(
            result,
            Err::<(), _>(Box::new("a panic with a non-string payload".to_owned()))
        );
    }

    #[test]
    fn keeps_the_wrapped_future_once() {
        let data = [0_u8; 256];
        let future = async move { data.len() };
        let alone = std::mem::size_of_val(&future);
        assert!(alone >= 256);
        assert_eq!(std::mem::size_of_val(&catch_panic(future)), alone);
    }
}
