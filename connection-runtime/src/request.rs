//! What the runtime asks of a connection's messages, whatever their kind.

use crate::error::CallError;

/// What the runtime asks of a request, whatever its kind: its name for
/// trace events, what happens to it while the connection is not connected,
/// whether its caller has stopped waiting, and how to answer it without
/// running its handler.
///
/// `#[connection]` implements it for the message enum it generates, from
/// the variants and their `when_disconnected`. A connection written by hand
/// implements it for its [`Message`](crate::ConnectionTypes::Message) type; every method
/// has a default (`impl Request for MyMessage {}`: every handler runs, and a
/// refused request's caller gets [`CallError::NoReply`]).
pub trait Request: Send + 'static {
    /// The kind of request, for trace events (`#[connection]` gives the
    /// variant's name).
    fn name(&self) -> &'static str {
        "request"
    }

    /// How the request is treated while the connection is not connected
    /// (`#[call(when_disconnected = ..)]`). The default runs its handler.
    fn when_disconnected(&self) -> WhenDisconnected {
        WhenDisconnected::Run
    }

    /// Whether its caller has stopped waiting for the reply, so that a
    /// queued request need not run. The default says no.
    fn is_abandoned(&self) -> bool {
        false
    }

    /// Answers its caller with `error` without running its handler. The
    /// default drops it (its caller, if any, then gets
    /// [`CallError::NoReply`]).
    fn refuse(self, error: CallError)
    where
        Self: Sized,
    {
        let _ = error;
    }
}

/// What happens to a request that arrives while the connection is not
/// connected (after a failed connect, a disconnect, or before the first
/// connect succeeds).
///
/// Chosen per handler with `#[call(when_disconnected = queue)]` (or on
/// `#[cast]`), or for a whole block with
/// `#[connection(when_disconnected = reject)]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WhenDisconnected {
    /// Run the handler anyway; it decides (the original's behaviour).
    #[default]
    Run,
    /// Hold the request until the next successful connect, then run it, in
    /// arrival order. A call whose caller gave up meanwhile is dropped
    /// unrun. At most [`Options::queue_capacity`](crate::Options::queue_capacity)
    /// requests are held; past that a call fails with
    /// [`CallError::Full`].
    Queue,
    /// Answer a call with [`CallError::NotConnected`] at once, without
    /// running the handler; drop a cast.
    Reject,
}
