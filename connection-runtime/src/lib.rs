//! Elixir's [`Connection`](https://hexdocs.pm/connection) behaviour for tokio.
//!
//! A connection owns one link to something remote (a socket, a database
//! session, a device). Write one impl block for it; `#[connection]` turns it
//! into a typed, cloneable client, a message enum and a dispatch loop, and this
//! runtime drives connect, disconnect, backoff, timeouts and stop.
//!
//! ```
//! use connection::{connection, Attempt, Connect, Context, Disconnect, Stop};
//! use std::time::Duration;
//!
//! /// A counter behind a flaky link.
//! struct Counter {
//!     connected: bool,
//!     total: u64,
//! }
//!
//! #[connection]
//! impl Counter {
//!     #[connect]
//!     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
//!         self.connected = true;
//!         Connect::Ok
//!     }
//!
//!     #[disconnect]
//!     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
//!         self.connected = false;
//!         Disconnect::Backoff(Duration::from_millis(100))
//!     }
//!
//!     /// Adds `n` and returns the new total.
//!     #[call]
//!     async fn add(&mut self, n: u64) -> Result<u64, &'static str> {
//!         if !self.connected {
//!             return Err("not connected");
//!         }
//!         self.total += n;
//!         Ok(self.total)
//!     }
//!
//!     /// Drops the link.
//!     #[cast]
//!     async fn drop_link(&mut self, ctx: &mut Context<Self>) {
//!         ctx.disconnect(());
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Counter { connected: false, total: 0 }.start().await?;
//! assert_eq!(client.add(2).await?, Ok(2));
//! client.drop_link().await?;
//! assert_eq!(client.add(3).await?, Err("not connected"));
//! client.stop(Stop::Normal).await?;
//! assert!(matches!(client.stopped().await, Stop::Normal));
//! # Ok(())
//! # }
//! ```
//!
//! # The pieces
//!
//! - [`macro@connection`] and its markers: see the attribute's documentation.
//! - [`Connection`] (the callbacks) and its supertrait [`ConnectionTypes`]
//!   (the types a connection declares): the contract `#[connection]`
//!   implements; [`Request`]: what the runtime asks of the messages.
//! - [`Init`], [`Connect`], [`Disconnect`]: what `init`, `connect` and
//!   `disconnect` return; [`Attempt`]: why `connect` runs.
//! - [`Context`]: what other callbacks use to request a connect, a disconnect,
//!   a stop or an idle timeout.
//! - [`ReplyTo`]: a deferred reply.
//! - [`Client`]: the generic handle every generated client wraps;
//!   [`InfoSender`]: a handle that feeds `#[info]` without keeping the
//!   connection alive.
//! - [`Stop`], [`CallError`], [`StartError`]: why a connection stopped and
//!   what a request or a start can fail with.
//! - [`start`] and [`Options`]: starting with a chosen mailbox capacity,
//!   timeouts and backoff policy; [`supervise`] and [`RestartPolicy`]:
//!   restarting after a crash behind the same client.
//! - [`Backoff`]: the `exp`, `rand` and `rand_exp` policies, or any sequence
//!   of delays, reached through [`Context::backoff`].
//! - [`WhenDisconnected`]: what a request does while the connection is down
//!   (`#[call(when_disconnected = queue)]`).
//! - [`Timer`] and [`Attachment`]: timers and streams feeding `#[info]`
//!   ([`Context::send_after`], [`Context::attach_until_disconnect`]), and
//!   tasks whose end is the link's ([`Context::disconnect_when`]);
//!   [`LinkToken`]: a task reports the link it uses lost.
//! - `pipeline` (with the `pipeline` feature): requests and responses over
//!   any byte stream on tokio-util codecs, written once per batch of
//!   requests (`#[flush]`) and answered in order by a reader of their own.

mod backoff;
/// What the generated code asserts about the user's types, each trait
/// worded for the error a failed bound gives. Not public API; public (and
/// hidden) so that rustc names the traits by this path in its errors, and
/// so that `use connection::*` brings one name, not each of them.
#[doc(hidden)]
pub mod checks;
mod client;
mod connection;
mod context;
mod deadline;
mod driver;
mod error;
mod feeds;
mod in_span;
mod lasting;
mod lifecycle;
mod losses;
mod mailbox;
mod outcome;
mod panic;
#[cfg(feature = "pipeline")]
pub mod pipeline;
pub mod pool;
mod reply;
mod request;
mod restart;
#[cfg(feature = "tower")]
pub mod service;
mod shutdown;
mod start;
mod state_machine;
mod status;
mod types;

pub use crate::backoff::{Backoff, InvalidBackoff};
pub use crate::client::{Client, InfoSender, WeakClient};
pub use crate::connection::Connection;
pub use crate::context::{Context, HandedOff};
pub use crate::error::{CallError, StartError, Stop};
pub use crate::feeds::{Attachment, Timer};
pub use crate::losses::LinkToken;
pub use crate::outcome::{Attempt, Connect, Disconnect, Init};
pub use crate::reply::{MapReply, ReplyTo};
pub use crate::request::{Request, WhenDisconnected};
pub use crate::restart::{Restart, RestartPolicy};
pub use crate::start::{Options, start, supervise};
pub use crate::types::ConnectionTypes;

/// Turns an inherent impl block into a connection: see the crate docs.
///
/// # Markers
///
/// Each method of the block carries one marker:
///
/// | marker | signature (after `&mut self`; `ctx: &mut Context<Self>` optional everywhere but `init` and `terminate`) | role |
/// |---|---|---|
/// | `#[init]` | `() -> Init<I>` | optional; runs before `start` returns (default: `Init::Connect(I::default())`) |
/// | `#[connect]` | `(attempt: Attempt<I>) -> Connect` | required; `I` is the connect-info type |
/// | `#[disconnect]` | `(info: D) -> Disconnect<I>` | required; `D` is the disconnect-info type |
/// | `#[call]` | `(args..) -> R` | request/reply: the client method returns `Result<R, CallError>` |
/// | `#[call]` | `(args.., reply: ReplyTo<R>)` | deferred reply: the client method returns `Result<R, CallError>` |
/// | `#[call(spawn)]` | `(args..) -> impl Future<Output = R>` | answered from a task: the returned future runs on a task of its own, its output the reply |
/// | `#[cast]` | `(args..)` | fire and forget: the client method returns `Result<(), CallError>` |
/// | `#[info]` | `(info: M)` | out-of-band messages of type `M` (from [`InfoSender`]) |
/// | `#[timeout]` | `()` | the idle timeout armed by [`Context::idle_timeout`] fired |
/// | `#[flush]` | `()` | optional; runs once the mailbox is drained after handled events (see [`Connection::flush`]): write out what the handlers buffered |
/// | `#[terminate]` | `(reason: &Stop)` | optional; runs once on every stop but a failed init |
///
/// Every handler is an `async fn` taking `&mut self`. `#[call]` and `#[cast]`
/// take the option `when_disconnected = run | queue | reject`
/// ([`WhenDisconnected`]). `#[call]` also takes `flatten`: for a reply
/// written `Result<T, E>` with `E: From<CallError>`, the client method
/// returns that `Result<T, E>` itself, a call that failed (timed out,
/// refused, stopped) as `Err(E::from(call_error))`, so that callers write
/// one `?`:
///
/// ```
/// use connection::{connection, Attempt, CallError, Connect, Disconnect};
///
/// #[derive(Debug)]
/// enum StoreError {
///     Missing,
///     Call(CallError),
/// }
///
/// impl From<CallError> for StoreError {
///     fn from(error: CallError) -> Self {
///         StoreError::Call(error)
///     }
/// }
///
/// struct Store(Vec<u64>);
///
/// #[connection]
/// impl Store {
///     #[connect]
///     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
///         Connect::Ok
///     }
///
///     #[disconnect]
///     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
///         Disconnect::NoConnect
///     }
///
///     #[call(flatten)]
///     async fn nth(&mut self, n: usize) -> Result<u64, StoreError> {
///         self.0.get(n).copied().ok_or(StoreError::Missing)
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = Store(vec![7]).start().await.unwrap();
/// let first: Result<u64, StoreError> = store.nth(0).await;
/// assert_eq!(first.unwrap(), 7);
/// assert!(matches!(store.nth(1).await, Err(StoreError::Missing)));
/// # }
/// ```
///
/// `#[call]` also takes `spawn`, for work the link itself multiplexes (a
/// driver that pipelines statements, an HTTP/2 connection): the handler
/// runs on the connection as usual (`&mut self`, the context), and returns
/// a future that runs on a task of its own and whose output answers the
/// call ([`Context::reply_from_task`]). The connection takes its next
/// request at once, and counts the call in its [load](Client::load) until
/// answered. Write the return type with the future's output,
/// `impl Future<Output = R>` (or a boxed `dyn Future<Output = R>`): the
/// client method returns `Result<R, CallError>`, or with `flatten` the
/// `Result<T, E>` that `R` is. The future may hold what the handler gave it,
/// but not borrow the connection: the macro adds the `+ 'static` that says
/// so (an `impl Trait` in a method's return type would otherwise capture
/// `&mut self`'s lifetime), and the future must be `Send`, which an
/// `impl Future` need not write (it is the future's own). It is polled
/// once on the connection first, so what it does before its first wait (a
/// statement handed to its driver) happens in the order the requests came,
/// the statements of one turn of the loop reaching the driver together: put
/// a long computation after a wait, or in `spawn_blocking`. It runs to its
/// end even if its caller gave up (a query sent is not taken back); if it
/// panics, its caller gets [`CallError::NoReply`] and the connection goes
/// on:
///
/// ```
/// use std::future::Future;
/// use std::time::Duration;
///
/// use connection::{connection, Attempt, Connect, Disconnect};
///
/// struct Lookups {
///     asked: u64,
/// }
///
/// #[connection]
/// impl Lookups {
///     #[connect]
///     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
///         Connect::Ok
///     }
///
///     #[disconnect]
///     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
///         Disconnect::NoConnect
///     }
///
///     /// `n` squared, after a while; other requests are handled meanwhile.
///     #[call(spawn)]
///     async fn square(&mut self, n: u64) -> impl Future<Output = u64> {
///         self.asked += 1;
///         async move {
///             tokio::time::sleep(Duration::from_millis(5)).await;
///             n * n
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let lookups = Lookups { asked: 0 }.start().await.unwrap();
/// let (a, b) = tokio::join!(lookups.square(3), lookups.square(4));
/// assert_eq!((a.unwrap(), b.unwrap()), (9, 16));
/// # }
/// ```
///
/// # What it generates
///
/// For `impl Tcp`, in this order: the impl block as written (markers
/// removed); `TcpMessage`, one variant per call and cast; `TcpClient`, a
/// cloneable handle with one `async fn` per call and cast, plus the
/// lifecycle methods of [`Client`], documented there: [`stop`](Client::stop),
/// [`stopped`](Client::stopped), [`is_alive`](Client::is_alive),
/// [`is_connected`](Client::is_connected), [`timeout`](Client::timeout),
/// [`with_timeout`](Client::with_timeout) and
/// [`without_timeout`](Client::without_timeout) (and `info`, `try_info`,
/// `info_sender` when there is an `#[info]` handler, as on [`InfoSender`]);
/// convertible to and from [`Client<Tcp>`]; `Tcp::start` and `Tcp::start_with(Options)`; the
/// [`ConnectionTypes`] implementation (the message, client and info types);
/// and the [`Connection`] implementation whose `handle` is the dispatch
/// `match`.
///
/// # Options
///
/// `#[connection(client = Name, message = Name, vis = pub(crate),
/// info_vis = pub, crate = path, when_disconnected = queue)]` renames the
/// generated client and message types, sets their visibility (default `pub`;
/// not narrower than the connection type's own), sets the visibility of the
/// client's `info`, `try_info` and `info_sender` (default `pub(crate)`: the
/// `#[info]` handler is fed by the connection's own tasks, and a holder of a
/// client from another crate must not forge what they tell it), names this
/// crate by another path (for a renamed dependency or a re-export), and sets
/// the default `when_disconnected` of the block's calls and casts.
///
/// # Generics
///
/// A generic block (`impl<T: Clone> Store<T> where ..`) gives generic message
/// and client types with the same bounds, plus `Send + 'static` on each type
/// parameter. Lifetime and const parameters are not supported.
///
/// # Errors
///
/// Every misuse is reported on the offending token, all of a block's errors
/// in one compile; the README lists the checks.
pub use connection_macros::connection;

/// The handler markers (`#[call]`, `#[info]`, ..). They only have meaning
/// on the methods of a `#[connection]` block, which removes them: there is
/// no need to import them. Imported from here, one used anywhere else is a
/// compile error saying so.
///
/// A module of their own, not the crate root, so that `use connection::*`
/// beside `use tracing::*` (or `log::*`) leaves `info!` unambiguous.
pub mod markers {
    pub use connection_macros::{
        call, cast, connect, disconnect, flush, info, init, terminate, timeout,
    };
}

/// The README's examples, compiled as doc tests so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// Items the generated code names. Not public API: no compatibility promise
/// holds between versions; the macros crate is pinned to this exact version.
#[doc(hidden)]
pub mod __private {
    pub use crate::client::{Client, InfoSender, WeakClient};
    pub use crate::connection::Connection;
    pub use crate::context::{Context, HandedOff};
    pub use crate::error::{CallError, StartError, Stop};
    pub use crate::outcome::{Attempt, Connect, Disconnect, Init};
    pub use crate::reply::ReplyTo;
    pub use crate::request::{Request, WhenDisconnected};
    pub use crate::start::{Options, start};
    pub use crate::types::ConnectionTypes;

    /// The generated client's lifecycle methods ([`crate::lifecycle`]).
    pub use crate::__client_lifecycle as client_lifecycle;

    pub use crate::checks::{
        ConnectInfoOf, ContextUnderAnotherName, FirstConnectInfo, FlattenedReply, FromCallError,
        IntoDisconnectInfo, MovedToTask, NotTheRuntimesReplyTo, OwnedBySpawnedTask, Plain, Probe,
        RepliedAcrossTasks, ReplyToUnderAnotherName, SentBetweenTasks, SentHoldingDyn,
        SentHoldingRc, SentHoldingSharedDyn, SpawnedFuture, answering, attempt_inner,
        disconnect_outcome, handler_future, init_outcome, reply_from_task, send_reply, spawning,
    };

    /// Answers a call with `error` without running its handler.
    pub fn refuse<T>(to: ReplyTo<T>, error: CallError) {
        to.refuse(error);
    }

    /// A value to describe in a trace event and as a link's last failure:
    /// by its `Display` when it has one ([`DescribeByDisplay`], found first
    /// by autoref), else by its `Debug` ([`DescribeByDebug`]), else not at
    /// all. Called as `(&&Describe(&value)).describe()`.
    pub struct Describe<'a, T>(pub &'a T);

    /// [`Describe`] of a `Display` value.
    pub trait DescribeByDisplay {
        /// The value's `Display`.
        fn describe(&self) -> Option<String>;
    }

    impl<T: core::fmt::Display> DescribeByDisplay for &Describe<'_, T> {
        fn describe(&self) -> Option<String> {
            Some(self.0.to_string())
        }
    }

    /// [`Describe`] of a `Debug` value without `Display`.
    pub trait DescribeByDebug {
        /// The value's `Debug`.
        fn describe(&self) -> Option<String>;
    }

    impl<T: core::fmt::Debug> DescribeByDebug for &&Describe<'_, T> {
        fn describe(&self) -> Option<String> {
            Some(format!("{:?}", self.0))
        }
    }

    /// [`Describe`] of any other value.
    pub trait DescribeByNothing {
        /// Nothing.
        fn describe(&self) -> Option<String>;
    }

    impl<T> DescribeByNothing for Describe<'_, T> {
        fn describe(&self) -> Option<String> {
            None
        }
    }

    /// The generated client's `info`: not a method of [`Client`], so that
    /// no holder of a client can forge what feeds `#[info]`.
    pub async fn info<C: Connection>(client: &Client<C>, info: C::Info) -> Result<(), CallError> {
        client.info(info).await
    }

    /// The generated client's `try_info`.
    pub fn try_info<C: Connection>(client: &Client<C>, info: C::Info) -> Result<(), CallError> {
        client.try_info(info)
    }

    /// The generated client's `info_sender`.
    pub fn info_sender<C: Connection>(client: &Client<C>) -> InfoSender<C> {
        client.info_sender()
    }
}
