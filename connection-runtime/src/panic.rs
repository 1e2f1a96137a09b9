//! Turning a panic in a callback into a value the state machine can act on.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

/// The message of a panic caught in a callback. Boxed: every handler's
/// result travels through the loop, and a thin pointer moves in a register
/// where a `String` is three words to copy.
pub(crate) type PanicMessage = Box<String>;

/// Polls `future`, returning the panic's message if the poll panics. Every
/// callback is polled through it ([`bounded`](crate::shutdown::bounded)).
///
/// Unwind safety is asserted because a panicking callback stops the
/// connection: the only code that still sees the state afterwards is
/// `terminate`, and it sees the state as the panic left it (the original
/// gives `terminate` the state from before the crashing callback, which a
/// `&mut self` callback cannot offer without a copy).
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

/// Runs `future`, returning the panic's message if a poll panics: for the
/// tasks a connection runs beside its own (its streams, its link watches).
pub(crate) async fn catching<F: Future>(future: F) -> Result<F::Output, PanicMessage> {
    let mut future = pin!(future);
    poll_fn(|cx| poll_catching(future.as_mut(), cx)).await
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
        assert_eq!(catching(async { 7 }).await, Ok(7));
    }

    #[tokio::test]
    async fn returns_the_message_of_a_str_or_string_panic() {
        let fixed = catching(async { panic!("fixed") }).await;
        assert_eq!(fixed, Err::<(), _>(Box::new("fixed".to_owned())));
        let formatted = catching(async { panic!("formatted {}", 42) }).await;
        assert_eq!(formatted, Err::<(), _>(Box::new("formatted 42".to_owned())));
    }

    #[tokio::test]
    async fn catches_a_panic_after_the_future_was_pending() {
        let result = catching(async {
            tokio::task::yield_now().await;
            std::panic::panic_any(17_u8)
        })
        .await;
        assert_eq!(
            result,
            Err::<(), _>(Box::new("a panic with a non-string payload".to_owned()))
        );
    }
}
