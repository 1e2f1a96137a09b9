//! What a callback can ask of the runtime.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::task::{self, Poll, Waker};
use std::time::Duration;

use futures_core::Stream;
use tokio::sync::mpsc;

use crate::backoff::{Backoff, BackoffFactory};
use crate::client::{InfoSender, WeakClient};
use crate::deadline::Timeout;
use crate::error::Stop;
use crate::feeds::{Attachment, Feeds, Timer};
use crate::losses::LinkToken;
use crate::mailbox::{Envelope, Source};
use crate::outcome::Connect;
use crate::panic::poll_catching;
use crate::reply::ReplyTo;
use crate::status::{Status, outside_callbacks};
use crate::types::{ConnectionTypes, IntoConnectInfo, IntoDisconnectInfo, IntoInfo};

/// A transition requested from a call, cast, info or timeout handler.
pub(crate) enum Transition<C: ConnectionTypes> {
    Connect(C::ConnectInfo),
    Disconnect(C::DisconnectInfo),
}

/// The handle a callback gets to request transitions, arm the idle timeout
/// and reach its own mailbox.
///
/// Requests take effect after the callback returns: a call's reply is sent
/// first, then the requested connect or disconnect runs, before the next
/// message is taken. The last connect or disconnect requested in one callback
/// wins; a stop, once requested, always wins. Inside `connect` and
/// `disconnect`, their return value decides what happens next, and a connect
/// or disconnect requested through the context there is ignored (with a
/// warning).
///
/// ```
/// use connection::{connection, Attempt, Connect, Context, Disconnect};
/// use std::time::Duration;
///
/// struct Link {
///     up: bool,
/// }
///
/// #[connection]
/// impl Link {
///     #[connect]
///     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
///         self.up = true;
///         Connect::Ok
///     }
///
///     #[disconnect]
///     async fn disconnect(&mut self, _why: &'static str) -> Disconnect<()> {
///         self.up = false;
///         Disconnect::Backoff(Duration::from_secs(1))
///     }
///
///     /// Drops the link; it comes back after a second.
///     #[cast]
///     async fn bounce(&mut self, ctx: &mut Context<Self>) {
///         ctx.disconnect("asked to bounce");
///     }
/// }
/// ```
pub struct Context<C: ConnectionTypes> {
    transition: Option<Transition<C>>,
    /// Boxed: rare, and this is part of every connection's memory.
    stop: Option<Box<StopRequest>>,
    /// The idle timeout this callback asked for ([`IdleAsk`]).
    idle: IdleAsk,
    /// Built on first use, and boxed: most connections never back off, and
    /// this is part of every connection's memory.
    backoff: Option<Box<Backoff>>,
    backoff_policy: BackoffFactory,
    /// Created with the first timer or stream.
    feeds: Option<Box<Feeds<C>>>,
    mailbox: mpsc::WeakSender<Envelope<C>>,
    status: Arc<Status>,
}

/// The idle timeout a callback asked for, in one word (this is part of
/// every connection's memory): nanoseconds, [`IdleAsk::NEVER`] for none
/// (the original's `:infinity`), [`IdleAsk::NOT_ASKED`] when the callback
/// did not call [`Context::idle_timeout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IdleAsk(u64);

impl IdleAsk {
    pub(crate) const NOT_ASKED: IdleAsk = IdleAsk(u64::MAX);
    const NEVER: IdleAsk = IdleAsk(u64::MAX - 1);

    fn after(after: Duration) -> Self {
        match Timeout::after(after).duration() {
            // Below `NEVER` (30 years), so far below these two values.
            Some(after) => IdleAsk(u64::try_from(after.as_nanos()).unwrap_or(u64::MAX - 2)),
            None => IdleAsk::NEVER,
        }
    }

    /// What was asked: `None` if nothing, `Some(None)` for no timeout.
    pub(crate) fn asked(self) -> Option<Option<Duration>> {
        match self {
            IdleAsk::NOT_ASKED => None,
            IdleAsk::NEVER => Some(None),
            IdleAsk(nanos) => Some(Some(Duration::from_nanos(nanos))),
        }
    }
}

/// A stop requested through [`Context::stop`], and the replies held back
/// until `terminate` has run (a stop answers last).
pub(crate) struct StopRequest {
    pub(crate) reason: Stop,
    pub(crate) held_replies: Vec<Box<dyn FnOnce() + Send>>,
}

impl<C: ConnectionTypes> Context<C> {
    pub(crate) fn new(
        mailbox: mpsc::WeakSender<Envelope<C>>,
        status: Arc<Status>,
        backoff_policy: BackoffFactory,
    ) -> Self {
        Context {
            transition: None,
            stop: None,
            idle: IdleAsk::NOT_ASKED,
            backoff: None,
            backoff_policy,
            feeds: None,
            mailbox,
            status,
        }
    }

    /// The next delay of the connection's backoff policy
    /// ([`Options::backoff`](crate::Options::backoff)); the runtime resets
    /// the policy after every successful connect. `None` only when a
    /// [`Backoff::from_fn`] sequence has ended: time to give up.
    ///
    /// ```
    /// use connection::{connection, Attempt, Connect, Context, Disconnect, Stop};
    ///
    /// struct Flaky;
    ///
    /// #[connection]
    /// impl Flaky {
    ///     #[connect]
    ///     async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
    ///         match ctx.backoff() {
    ///             Some(delay) => Connect::Backoff(delay),
    ///             None => Connect::Stop(Stop::shutdown("gave up")),
    ///         }
    ///     }
    ///
    ///     #[disconnect]
    ///     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
    ///         Disconnect::Connect(())
    ///     }
    /// }
    /// ```
    pub fn backoff(&mut self) -> Option<Duration> {
        let policy = &self.backoff_policy;
        self.backoff
            .get_or_insert_with(|| Box::new(policy()))
            .next_delay()
    }

    pub(crate) fn reset_backoff(&mut self) {
        if let Some(backoff) = &mut self.backoff {
            backoff.reset();
        }
    }

    fn feeds(&mut self) -> &mut Feeds<C> {
        self.feeds.get_or_insert_with(Box::default)
    }

    /// Requests `connect(Attempt::Requested(info))` once this callback returns.
    /// Cancels a pending backoff retry.
    ///
    /// `info` is the `#[connect]` handler's `I` of `Attempt<I>` (the
    /// connection's `ConnectInfo` is a newtype of it, so that `I` may stay
    /// private to its module): name its type where it would be inferred,
    /// as in `ctx.connect(Target::default())`.
    pub fn connect(&mut self, info: impl IntoConnectInfo<C>) {
        self.transition = Some(Transition::Connect(info.into_connect_info()));
    }

    /// Requests `disconnect(info)` once this callback returns. Cancels a
    /// pending backoff retry.
    pub fn disconnect(&mut self, info: impl IntoDisconnectInfo<C>) {
        self.transition = Some(Transition::Disconnect(info.into_disconnect_info()));
    }

    /// Stops the connection once this callback returns: `terminate` runs,
    /// then a pending reply of this callback is sent, then the connection
    /// ends.
    pub fn stop(&mut self, reason: Stop) {
        if self.stop.is_none() {
            crate::reply::stopping_for_this_poll(&reason);
        }
        self.stop.get_or_insert_with(|| {
            Box::new(StopRequest {
                reason,
                held_replies: Vec::new(),
            })
        });
    }

    /// Records why the link is down: a connect that failed, a link that
    /// was lost. It stays until the next connect succeeds, and is what
    /// [`Client::last_failure`](crate::Client::last_failure) reads and what
    /// a [pool](crate::pool) reports when it finds no member connected, so
    /// that a caller learns "connection refused" or the server's
    /// "password authentication failed", not a bare timeout. A disconnect
    /// records its info already (written with its `Debug`, when it has
    /// one); [`Pipeline::connect_tcp`](crate::pipeline::Pipeline::connect_tcp)
    /// records a failed connect, and a pipeline the error its link ended
    /// with.
    ///
    /// ```
    /// # use connection::{connection, Attempt, Connect, Context, Disconnect};
    /// # struct Db { addr: String }
    /// # #[connection]
    /// # impl Db {
    /// #[connect]
    /// async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
    ///     match tokio::net::TcpStream::connect(&self.addr).await {
    ///         Ok(_socket) => Connect::Ok,
    ///         Err(error) => {
    ///             ctx.record_failure(error);
    ///             ctx.backoff().map_or(Connect::Stop(connection::Stop::Normal), Connect::Backoff)
    ///         }
    ///     }
    /// }
    /// #     #[disconnect]
    /// #     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> { Disconnect::NoConnect }
    /// # }
    /// ```
    pub fn record_failure(&mut self, failure: impl Into<Box<dyn std::error::Error + Send + Sync>>) {
        self.status.record_failure(Arc::from(failure.into()));
    }

    /// What a `#[connect]` returns when its attempt failed with `failure`:
    /// the next step of the [backoff](Self::backoff), or, once the policy
    /// gives up, a stop with the failure. Either way the failure is
    /// [recorded](Self::record_failure) (what a pool that finds no member
    /// connected reports).
    ///
    /// ```
    /// # use connection::{connection, Attempt, Connect, Context, Disconnect};
    /// # struct Tcp { addr: String }
    /// # #[connection]
    /// # impl Tcp {
    /// #[connect]
    /// async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
    ///     match tokio::net::TcpStream::connect(&self.addr).await {
    ///         Ok(_socket) => Connect::Ok,
    ///         Err(error) => ctx.backoff_or_stop(error),
    ///     }
    /// }
    /// #     #[disconnect]
    /// #     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> { Disconnect::NoConnect }
    /// # }
    /// ```
    pub fn backoff_or_stop(
        &mut self,
        failure: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Connect {
        let failure: Arc<dyn std::error::Error + Send + Sync> = Arc::from(failure.into());
        self.status.record_failure(failure.clone());
        match self.backoff() {
            Some(delay) => Connect::Backoff(delay),
            None => Connect::Stop(Stop::Error(failure)),
        }
    }

    /// Counts one request in the connection's [load](crate::Client::load)
    /// until the returned guard is dropped: for a request the connection
    /// hands off (to a task of its own, to a driver that pipelines
    /// requests) and answers later, so that a [pool](crate::pool) sees it
    /// as held. Move the guard with the request's `ReplyTo`. Costs nothing
    /// while nobody asks for the load.
    ///
    /// ```
    /// # use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo};
    /// # struct Worker;
    /// # #[connection]
    /// # impl Worker {
    /// #     #[connect]
    /// #     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect { Connect::Ok }
    /// #     #[disconnect]
    /// #     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> { Disconnect::NoConnect }
    /// /// Answered by a task of its own: the connection takes the next request.
    /// #[call]
    /// async fn slow(&mut self, n: u64, reply: ReplyTo<u64>, ctx: &mut Context<Self>) {
    ///     let held = ctx.hand_off();
    ///     tokio::spawn(async move {
    ///         let _held = held;
    ///         let _ = reply.send(n * 2);
    ///     });
    /// }
    /// # }
    /// ```
    pub fn hand_off(&self) -> HandedOff {
        HandedOff {
            status: self.status.add_handed_off().then(|| self.status.clone()),
        }
    }

    /// Answers `reply` with what `answer` gives, run on a task of its own
    /// (spawned on the current runtime), the request counted in the
    /// connection's [load](crate::Client::load) until then
    /// ([`hand_off`](Self::hand_off)): the connection takes its next
    /// request at once. For work the link itself multiplexes (a driver
    /// that pipelines statements), or that would hold the loop up.
    ///
    /// `answer` is polled once here first, on the connection: what it does
    /// before its first wait (a statement handed to its driver) happens at
    /// once and in the order the requests came, the statements of one turn
    /// of the loop reaching the driver together; an answer ready then is
    /// sent with no task at all. Work that must not run on the connection
    /// (a long computation) goes after an `.await` that waits
    /// (`tokio::task::yield_now`), or to `spawn_blocking`. A panic in that
    /// first poll loses this reply only (`CallError::NoReply`), as on the
    /// task.
    ///
    /// ```
    /// # use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo};
    /// # struct Worker;
    /// # #[connection]
    /// # impl Worker {
    /// #     #[connect]
    /// #     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect { Connect::Ok }
    /// #     #[disconnect]
    /// #     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> { Disconnect::NoConnect }
    /// #[call]
    /// async fn slow(&mut self, n: u64, reply: ReplyTo<u64>, ctx: &mut Context<Self>) {
    ///     ctx.reply_from_task(reply, async move {
    ///         tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    ///         n * 2
    ///     });
    /// }
    /// # }
    /// ```
    pub fn reply_from_task<T, F>(&self, reply: ReplyTo<T>, answer: F)
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let held = self.hand_off();
        let mut answer = Box::pin(answer);
        // Nothing to wake: the task polls it again as it starts.
        let mut first = task::Context::from_waker(Waker::noop());
        // Polled as its task would: it may call its own connection.
        let outside = outside_callbacks();
        let polled = poll_catching(answer.as_mut(), &mut first);
        drop(outside);
        match polled {
            Poll::Ready(Ok(value)) => {
                drop(held);
                let _ = reply.send(value);
            }
            Poll::Ready(Err(_panicked)) => {
                // Dropped here, not unwinding: the caller is told `NoReply`,
                // and the connection goes on.
                let _ = catch_unwind(AssertUnwindSafe(move || drop(answer)));
                drop((held, reply));
            }
            Poll::Pending => {
                tokio::spawn(async move {
                    let value = answer.await;
                    drop(held);
                    let _ = reply.send(value);
                });
            }
        }
    }

    /// The status the connection publishes, for the pipeline's load gauge
    /// and failures.
    #[cfg(feature = "pipeline")]
    pub(crate) fn status(&self) -> &Arc<Status> {
        &self.status
    }

    /// Arms the idle timeout: if no event (a message, the backoff firing)
    /// arrives within `after`, the `#[timeout]` handler runs. Any event
    /// disarms it; a callback arms it again by calling this again. 30 years
    /// or more (`Duration::MAX`) is the original's `:infinity`: no timeout.
    pub fn idle_timeout(&mut self, after: Duration) {
        self.idle = IdleAsk::after(after);
    }

    /// Whether the connection is connected: its last connect succeeded and
    /// no disconnect ran since. Inside `connect` and `disconnect`, this is
    /// the state before the callback.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        // Kept once, in the status the clients read: the loop updates it
        // after `connect` and `disconnect` return.
        self.status.is_connected()
    }

    /// Delivers `info` to the `#[info]` handler after `after`, unless the
    /// timer is cancelled first. Timers end with the connection. After 30
    /// years or more (`Duration::MAX`), never.
    pub fn send_after(&mut self, info: impl IntoInfo<C>, after: Duration) -> Timer {
        let mailbox = self.mailbox.clone();
        self.feeds().send_after(&mailbox, info.into_info(), after)
    }

    /// Cancels `timer`: its info is never delivered, even if it already
    /// fired and waits in the mailbox. Returns whether it was still pending.
    pub fn cancel_timer(&mut self, timer: Timer) -> bool {
        self.feeds
            .as_mut()
            .is_some_and(|feeds| feeds.cancel_timer(timer))
    }

    /// Delivers every item of `stream` to the `#[info]` handler, as
    /// `each(item)`, then `end` when the stream ends, so the handler can
    /// react (request a disconnect, say). Items are delivered one at a time
    /// through the mailbox, so a fast stream waits for its handler. The
    /// stream lives until it ends, is detached, or the connection stops; for
    /// one tied to the current link, use
    /// [`attach_until_disconnect`](Context::attach_until_disconnect). If the
    /// stream or `each` panics, the connection stops with
    /// [`Stop::Panic`], as for a panic in one of its callbacks.
    pub fn attach<S, F, I>(&mut self, stream: S, mut each: F, end: impl IntoInfo<C>) -> Attachment
    where
        S: Stream + Send + 'static,
        F: FnMut(S::Item) -> I + Send + 'static,
        I: IntoInfo<C>,
    {
        let mailbox = self.mailbox.clone();
        let each = move |item| each(item).into_info();
        self.feeds()
            .attach(&mailbox, stream, each, end.into_info(), false)
    }

    /// As [`attach`](Context::attach), but the stream is dropped when
    /// `disconnect` runs (or when the `connect` that attached it returns
    /// `Backoff`: no link came of it), and no item it produced, even one
    /// already queued, is delivered after that: after a reconnect, nothing
    /// from the old socket is ever handled.
    ///
    /// ```
    /// use connection::{connection, Attempt, Connect, Context, Disconnect};
    /// use std::convert::Infallible;
    ///
    /// /// What the reader delivers.
    /// enum Incoming {
    ///     Line(String),
    ///     Closed,
    /// }
    ///
    /// struct Lines;
    ///
    /// #[connection]
    /// impl Lines {
    ///     #[connect]
    ///     async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
    ///         // A real client would attach its socket's read half here.
    ///         let lines = futures_stream(["hello".to_owned()]);
    ///         ctx.attach_until_disconnect(lines, Incoming::Line, Incoming::Closed);
    ///         Connect::Ok
    ///     }
    ///
    ///     #[disconnect]
    ///     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
    ///         Disconnect::Connect(())
    ///     }
    ///
    ///     #[info]
    ///     async fn on_incoming(&mut self, incoming: Incoming, ctx: &mut Context<Self>) {
    ///         if let Incoming::Closed = incoming {
    ///             ctx.disconnect(());
    ///         }
    ///     }
    /// }
    /// # fn futures_stream<T: Send + Unpin + 'static>(items: impl IntoIterator<Item = T, IntoIter: Send + Unpin + 'static>)
    /// #     -> impl futures_core::Stream<Item = T> + Send + 'static {
    /// #     struct Iter<I>(I);
    /// #     impl<I: Iterator + Unpin> futures_core::Stream for Iter<I> {
    /// #         type Item = I::Item;
    /// #         fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Option<I::Item>> {
    /// #             std::task::Poll::Ready(self.0.next())
    /// #         }
    /// #     }
    /// #     Iter(items.into_iter())
    /// # }
    /// ```
    pub fn attach_until_disconnect<S, F, I>(
        &mut self,
        stream: S,
        mut each: F,
        end: impl IntoInfo<C>,
    ) -> Attachment
    where
        S: Stream + Send + 'static,
        F: FnMut(S::Item) -> I + Send + 'static,
        I: IntoInfo<C>,
    {
        let mailbox = self.mailbox.clone();
        let each = move |item| each(item).into_info();
        self.feeds()
            .attach(&mailbox, stream, each, end.into_info(), true)
    }

    /// Runs `watch` beside the connection, tied to the current link: when it
    /// completes, `disconnect` runs with its output, as if a handler had
    /// requested it, and before any message still queued (none of them
    /// meets the dead link first: under `when_disconnected = queue` they are
    /// held for the next link). If a disconnect runs first (or the
    /// `connect` that gave it returns `Backoff`), `watch` is
    /// dropped and its output, even one already reported, is never
    /// delivered. For a task that reads the link and ends
    /// when the link does: [`Pipeline`](crate::pipeline::Pipeline) watches
    /// its reader this way. If `watch` panics, the connection stops with
    /// [`Stop::Panic`] (a link whose reader died would otherwise look
    /// connected for ever).
    ///
    /// For a driver that hands back a client and a connection future
    /// (tokio-postgres' `connect`, hyper's `handshake`), `watch` is that
    /// future. To let tasks report the link dead too (an answer from a
    /// `#[call(spawn)]` whose ping went unanswered), race it with a signal
    /// made for this link, such as a `tokio::sync::Notify` the tasks hold:
    /// a signal from an earlier link then reaches nothing
    /// (`examples/postgres/` does this).
    ///
    /// ```
    /// use connection::{connection, Attempt, Connect, Context, Disconnect};
    /// use std::time::Duration;
    ///
    /// struct Lease;
    ///
    /// #[connection]
    /// impl Lease {
    ///     #[connect]
    ///     async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
    ///         // The link is lost after a minute, whatever the handlers do.
    ///         ctx.disconnect_when(async {
    ///             tokio::time::sleep(Duration::from_secs(60)).await;
    ///             "lease expired"
    ///         });
    ///         Connect::Ok
    ///     }
    ///
    ///     #[disconnect]
    ///     async fn disconnect(&mut self, _why: &'static str) -> Disconnect<()> {
    ///         Disconnect::Connect(())
    ///     }
    /// }
    /// ```
    pub fn disconnect_when<F>(&mut self, watch: F) -> Attachment
    where
        F: Future + Send + 'static,
        F::Output: IntoDisconnectInfo<C>,
    {
        let mailbox = self.mailbox.clone();
        self.feeds()
            .disconnect_when(&mailbox, async move { watch.await.into_disconnect_info() })
    }

    /// A token that reports the current link lost from any task
    /// ([`LinkToken::lost`]): for tasks that use the link and can find it
    /// dead (an unanswered ping, a write that failed), where
    /// [`disconnect_when`](Self::disconnect_when) is for one task whose end
    /// is the link's. Like a watch, it is tied to the link: once that link
    /// ends, it reaches nothing.
    #[must_use]
    pub fn link_token(&mut self) -> LinkToken<C> {
        let mailbox = self.mailbox.clone();
        self.feeds().link_token(&mailbox)
    }

    /// As [`disconnect_when`](Self::disconnect_when); the watch's second
    /// output runs once the loss is reported to the loop.
    #[cfg(feature = "pipeline")]
    pub(crate) fn disconnect_when_then<F, T>(&mut self, watch: F) -> Attachment
    where
        F: Future<Output = (C::DisconnectInfo, T)> + Send + 'static,
        T: FnOnce() + Send + 'static,
    {
        let mailbox = self.mailbox.clone();
        self.feeds().disconnect_when_then(&mailbox, watch)
    }

    /// Drops an attached stream; nothing more of it is delivered. Returns
    /// whether it was still attached.
    pub fn detach(&mut self, attachment: Attachment) -> bool {
        self.feeds
            .as_mut()
            .is_some_and(|feeds| feeds.detach(attachment))
    }

    /// Whether a stop has been requested in this callback.
    #[must_use]
    pub fn is_stopping(&self) -> bool {
        self.stop.is_some()
    }

    /// A sender to this connection's `#[info]` handler, for tasks the
    /// connection spawns (a socket reader, a timer). It does not keep the
    /// connection alive.
    #[must_use]
    pub fn info_sender(&self) -> InfoSender<C> {
        InfoSender::new(self.mailbox.clone(), self.status.clone())
    }

    /// A handle to this connection that does not keep it alive, for its own
    /// state or the tasks it spawns; upgraded clients have the default call
    /// timeout (5 s). Requests from the connection's own task to itself
    /// fail with [`CallError::CallingSelf`](crate::CallError::CallingSelf):
    /// hand the client to another task, or use the context.
    #[must_use]
    pub fn weak_client(&self) -> WeakClient<C> {
        WeakClient::new(self.mailbox.clone(), self.status.clone())
    }

    /// The connect or disconnect the callback asked for, taken.
    #[inline]
    pub(crate) fn take_transition(&mut self) -> Option<Transition<C>> {
        self.transition.take()
    }

    /// The stop the callback asked for, taken.
    #[inline]
    pub(crate) fn take_stop(&mut self) -> Option<Box<StopRequest>> {
        self.stop.take()
    }

    /// The idle timeout the callback asked for, taken.
    #[inline]
    pub(crate) fn take_idle(&mut self) -> IdleAsk {
        std::mem::replace(&mut self.idle, IdleAsk::NOT_ASKED)
    }

    /// A link lost since the last look (`disconnect_when`), if its watch is
    /// still live: the disconnect to run before anything else.
    #[inline(always)]
    pub(crate) fn take_lost(&mut self) -> Option<C::DisconnectInfo> {
        self.feeds.as_mut()?.take_lost()
    }

    /// A pipeline attached a link: its unwritten bytes are watched.
    #[cfg(all(debug_assertions, feature = "pipeline"))]
    pub(crate) fn watch_unwritten(&mut self, bytes: Arc<std::sync::atomic::AtomicUsize>) {
        self.feeds().watch_unwritten(bytes);
    }

    /// The loop is about to wait: warns of bytes a pipeline left unwritten.
    #[cfg(all(debug_assertions, feature = "pipeline"))]
    pub(crate) fn warn_if_unwritten(&mut self) {
        if let Some(feeds) = &mut self.feeds {
            feeds.warn_if_unwritten();
        }
    }

    /// Whether an item from `source` (a timer or stream of this
    /// connection's) is still to be delivered.
    #[inline]
    pub(crate) fn accepts(&mut self, source: Source) -> bool {
        self.feeds
            .as_mut()
            .is_some_and(|feeds| feeds.accept(source))
    }

    /// The link is going down (`disconnect` runs): what was attached until
    /// then ends, and nothing it produced is delivered any more.
    #[inline]
    pub(crate) fn end_link(&mut self) {
        if let Some(feeds) = &mut self.feeds {
            feeds.end_link();
        }
    }

    /// Ends the timers and streams this context started: the connection
    /// stops, or did not start after all.
    pub(crate) fn end_feeds(&mut self) {
        if let Some(feeds) = &mut self.feeds {
            feeds.abort_all();
        }
    }

    /// Sends a call's reply now, or after `terminate` if a stop was
    /// requested: the original answers a stopping call last.
    #[inline]
    pub(crate) fn reply<T: Send + 'static>(&mut self, to: ReplyTo<T>, value: T) {
        if let Some(stop) = &mut self.stop {
            stop.held_replies.push(Box::new(move || {
                let _ = to.send(value);
            }));
        } else {
            let _ = to.send(value);
        }
    }
}

impl<C: ConnectionTypes> fmt::Debug for Context<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("stopping", &self.stop.as_ref().map(|stop| &stop.reason))
            .field("idle_timeout", &self.idle.asked())
            .finish_non_exhaustive()
    }
}

/// A request a connection handed off, counted in its load until dropped:
/// from [`Context::hand_off`].
#[must_use = "the request counts as held only while this lives"]
pub struct HandedOff {
    /// `None` when nobody watched the load at the hand-off.
    status: Option<Arc<Status>>,
}

impl Drop for HandedOff {
    fn drop(&mut self) {
        if let Some(status) = &self.status {
            status.remove_handed_off();
        }
    }
}

impl fmt::Debug for HandedOff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandedOff")
            .field("counted", &self.status.is_some())
            .finish()
    }
}
