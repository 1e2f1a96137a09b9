//! The contract between a connection type and the runtime that drives it.

use std::future::Future;

use crate::client::Client;
use crate::context::Context;
use crate::error::Stop;
use crate::outcome::{Attempt, Connect, Disconnect, Init};
use crate::types::ConnectionTypes;

/// A type the runtime can drive through connect, disconnect, backoff and stop.
///
/// `#[connection]` implements this trait from an annotated impl block; that is
/// the intended way to get it. It is public so that the contract is documented
/// in one place and so that a hand-written implementation is possible.
///
/// Each method is one callback of the original behaviour. The runtime calls
/// them one at a time, on one tokio task, never concurrently. The types a
/// connection declares (its messages, infos and client) are the supertrait
/// [`ConnectionTypes`]'s, which is all that [`Client`] and [`Context`] ask
/// of it: `#[connection]` implements both; by hand, see
/// [`ConnectionTypes`].
pub trait Connection: ConnectionTypes<Client: From<Client<Self>>> {
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

    /// Runs once on every stop except a failed `init`. The default does
    /// nothing.
    fn terminate(&mut self, reason: &Stop) -> impl Future<Output = ()> + Send {
        let _ = reason;
        async {}
    }
}
