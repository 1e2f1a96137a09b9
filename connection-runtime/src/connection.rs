//! The contract between a connection type and the runtime that drives it.

use std::future::Future;

use crate::{Attempt, CallError, Client, Connect, Context, Disconnect, Init, Stop};

/// A type the runtime can drive through connect, disconnect, backoff and stop.
///
/// `#[connection]` implements this trait from an annotated impl block; that is
/// the intended way to get it. It is public so that the contract is documented
/// in one place and so that a hand-written implementation is possible.
///
/// Each method is one callback of the original behaviour. The runtime calls
/// them one at a time, on one tokio task, never concurrently.
pub trait Connection: Sized + Send + 'static {
    /// The requests a client can send: one variant per `#[call]` and `#[cast]`.
    type Message: Request;
    /// What a requested connect carries ([`Attempt::Info`]).
    type ConnectInfo: Send + 'static;
    /// What `disconnect` is given (the original's disconnect info).
    /// `#[connection]` makes it a public newtype of the `#[disconnect]`
    /// parameter's type, so that type may stay private (an associated type
    /// of a public impl must be as visible as the impl); the runtime takes
    /// anything `Into` it, the handler's own type included.
    type DisconnectInfo: Send + 'static;
    /// Out-of-band messages handled by `#[info]`: a newtype of the
    /// handler's type, as for [`DisconnectInfo`](Connection::DisconnectInfo).
    type Info: Send + 'static;
    /// The handle [`start`](crate::start) returns.
    type Client: From<Client<Self>>;

    /// Runs once, before `start` returns (and before each restart of a
    /// supervised connection). Through `ctx` it may arm an idle timeout
    /// (the original's `{:ok, s, timeout}`), start timers and streams, and
    /// send itself infos, which are handled before any request made after
    /// `start` returns; a connect or disconnect asked for here is ignored
    /// (return `Init::Connect`), and a stop is as `Init::Stop`.
    fn init(
        &mut self,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Init<Self::ConnectInfo>> + Send;

    /// Tries to connect.
    fn connect(
        &mut self,
        attempt: Attempt<Self::ConnectInfo>,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Connect> + Send;

    /// Handles the loss (or the requested end) of the connection.
    fn disconnect(
        &mut self,
        info: Self::DisconnectInfo,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Disconnect<Self::ConnectInfo>> + Send;

    /// Handles one client request (the generated dispatch `match`).
    fn handle(
        &mut self,
        message: Self::Message,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send;

    /// Handles one out-of-band message. The default drops it.
    fn info(
        &mut self,
        info: Self::Info,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (info, ctx);
        async {}
    }

    /// Runs when the idle timeout armed by [`Context::idle_timeout`] fires.
    /// The default does nothing.
    fn timeout(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }

    /// Whether the connection has a [`flush`](Connection::flush) callback
    /// (`#[flush]` sets it). When `false`, the default, the loop never calls
    /// it and pays nothing for it.
    const FLUSHES: bool = false;

    /// Writes out what the handlers before it buffered: runs once the
    /// mailbox is drained after events were handled, before the connection
    /// waits for the next one (or after 128 events without a pause), and
    /// before a connect, disconnect or stop that follows them. On a drained
    /// mailbox the connection's task first yields once to the scheduler, so
    /// that callers answered by the batch can add their next requests to
    /// it: a caller's next request can share its predecessor's write. Transitions
    /// and a stop requested here take effect as from any other handler; a
    /// connect or disconnect already due when it runs goes first. The
    /// default does nothing.
    fn flush(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }

    /// `info` written for the `disconnect` trace event, when its type can
    /// say (`#[connection]` uses its `Debug`, if it has one).
    fn describe_disconnect(info: &Self::DisconnectInfo) -> Option<String> {
        let _ = info;
        None
    }

    /// Runs once on every stop except a failed `init`. The default does
    /// nothing.
    fn terminate(&mut self, reason: &Stop) -> impl Future<Output = ()> + Send {
        let _ = reason;
        async {}
    }
}

/// What the runtime asks of a request, whatever its kind: its name for
/// trace events, what happens to it while the connection is not connected,
/// whether its caller has stopped waiting, and how to answer it without
/// running its handler.
///
/// `#[connection]` implements it for the message enum it generates, from
/// the variants and their `when_disconnected`. A connection written by hand
/// implements it for its [`Message`](Connection::Message) type; every method
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
