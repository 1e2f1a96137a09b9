//! Turning a panic in a callback into a value the state machine can act on.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::Poll;

/// Drives `future` to completion, returning the panic's message if a poll
/// panics.
///
/// Unwind safety is asserted because a panicking callback stops the
/// connection: the only code that still sees the state afterwards is
/// `terminate`, which the original also runs on the state as it was left.
pub(crate) async fn catch_panic<F: Future>(future: F) -> Result<F::Output, String> {
    let mut future = pin!(future);
    poll_fn(
        move |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_message(payload.as_ref()))),
        },
    )
    .await
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
        assert_eq!(fixed, Err::<(), _>("fixed".to_owned()));
        let formatted = catch_panic(async { panic!("formatted {}", 42) }).await;
        assert_eq!(formatted, Err::<(), _>("formatted 42".to_owned()));
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
            Err::<(), _>("a panic with a non-string payload".to_owned())
        );
    }
}
