//! The handles other tasks use to talk to a running connection.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::deadline::{Elapsed, Timeout, within};
use crate::error::{CallError, Stop};
use crate::mailbox::Envelope;
use crate::reply::{Answer, ReplyTo, dropping_as_stopped};
use crate::status::Status;
use crate::types::{ConnectionTypes, IntoInfo};

/// How long a request waits for its answer unless told otherwise: 5 seconds
/// (the original's default). A client's, and so `Options`' default.
pub(crate) const DEFAULT_CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The generic handle to a running connection.
///
/// The client `#[connection]` generates (`{Type}Client`) wraps one and
/// forwards its lifecycle methods ([`stop`](Client::stop),
/// [`stopped`](Client::stopped), [`is_alive`](Client::is_alive),
/// [`is_connected`](Client::is_connected), the timeouts); `as_ref()` and
/// `From` reach this one, with the raw [`call`](Client::call) and
/// [`cast`](Client::cast).
///
/// What feeds the `#[info]` handler is not here: infos are what the
/// connection's own tasks (a socket reader, a timer) tell it, and whoever
/// holds a client must not be able to forge them. The generated client has
/// `info`, `try_info` and `info_sender` visible in the crate that defines
/// the connection only (`#[connection(info_vis = pub)]` publishes them);
/// inside the connection, [`Context::info_sender`](crate::Context::info_sender).
///
/// Cloning is cheap. The connection stops with [`Stop::Normal`] once every
/// clone is dropped (after `terminate`).
pub struct Client<C: ConnectionTypes> {
    mailbox: mpsc::Sender<Envelope<C>>,
    status: Arc<Status>,
    /// [`Timeout::NONE`]: requests wait as long as it takes.
    timeout: Timeout,
}

impl<C: ConnectionTypes> Client<C> {
    /// The client [`start`](crate::start) returns, counted in the status
    /// already: `start` counts it before the connection's `init` runs, so
    /// that a client `init` makes and drops is not the last one gone.
    pub(crate) fn counted_at_start(
        mailbox: mpsc::Sender<Envelope<C>>,
        status: Arc<Status>,
        timeout: Duration,
    ) -> Self {
        Client {
            mailbox,
            status,
            timeout: Timeout::after(timeout),
        }
    }

    /// Every client is counted in the status: the last one dropped asks
    /// the connection to stop within its shutdown timeout.
    fn counted(mailbox: mpsc::Sender<Envelope<C>>, status: Arc<Status>, timeout: Timeout) -> Self {
        status.client_added();
        Client {
            mailbox,
            status,
            timeout,
        }
    }

    /// Sends a request built around a fresh [`ReplyTo`] and waits for the
    /// answer, for at most this client's timeout (waiting for mailbox space
    /// included). To stay cheap, the timeout starts counting when the call
    /// is still waiting after one round of the scheduler (the clock is not
    /// read for a call answered sooner), so it may end that much later
    /// than the call began; on a paused clock, exactly on time.
    ///
    /// Generated call methods are this, with the message variant filled in.
    ///
    /// # Errors
    ///
    /// [`CallError::Timeout`] when no answer came in time,
    /// [`CallError::Stopped`] when the connection stopped before answering,
    /// [`CallError::NoReply`] when the handler dropped the `ReplyTo`,
    /// [`CallError::CallingSelf`] when made from the connection's own task.
    pub async fn call<R>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> C::Message,
    ) -> Result<R, CallError> {
        if self.status.is_own_task() {
            return Err(CallError::CallingSelf);
        }
        let (reply_to, answer) = ReplyTo::pair();
        // Any incarnation that ends from now on may be the one that loses
        // this request.
        let ends = self.status.ends();
        let answer = match self.mailbox.try_send(Envelope::Message(request(reply_to))) {
            // Room in the mailbox (the common case): only the answer to wait
            // for.
            Ok(()) => within(self.timeout, answer).await,
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(self.status.stopped_now()),
            // Boxed: rare, and it would make every call's future larger.
            Err(mpsc::error::TrySendError::Full(envelope)) => {
                Box::pin(within(self.timeout, self.send_then_await(envelope, answer))).await
            }
        };
        match settle(answer, &self.status) {
            Ok(value) => Ok(value),
            Err(Some(error)) => Err(error),
            Err(None) => Err(CallError::Stopped(
                Box::pin(self.status.lost_since(ends)).await,
            )),
        }
    }

    /// Waits (within this client's timeout) for the answer to a request
    /// already in the mailbox, sent when `ends` incarnations had ended.
    #[cfg(feature = "tower")]
    pub(crate) async fn answer<R>(
        &self,
        answer: oneshot::Receiver<Answer<R>>,
        ends: u64,
    ) -> Result<R, CallError> {
        match settle(within(self.timeout, answer).await, &self.status) {
            Ok(value) => Ok(value),
            Err(Some(error)) => Err(error),
            Err(None) => Err(CallError::Stopped(self.status.lost_since(ends).await)),
        }
    }

    /// The mailbox, for a service that reserves room in it.
    #[cfg(feature = "tower")]
    pub(crate) fn mailbox(&self) -> &mpsc::Sender<Envelope<C>> {
        &self.mailbox
    }

    /// A call that found the mailbox full: waits for room, then for the
    /// answer. A mailbox closed meanwhile answers as a dropped request.
    async fn send_then_await<R>(
        &self,
        envelope: Envelope<C>,
        answer: oneshot::Receiver<Answer<R>>,
    ) -> Result<Answer<R>, oneshot::error::RecvError> {
        if let Err(mpsc::error::SendError(envelope)) = self.mailbox.send(envelope).await {
            // The request's `ReplyTo` answers as the connection stopped.
            let reason = self.stopped().await;
            dropping_as_stopped(&reason, || drop(envelope));
        }
        answer.await
    }

    /// Queues a request with no reply, waiting for mailbox space for at most
    /// this client's timeout.
    ///
    /// # Errors
    ///
    /// [`CallError::Timeout`] when the mailbox stayed full,
    /// [`CallError::Stopped`] when the connection has stopped,
    /// [`CallError::Full`] when the mailbox is full and this is the
    /// connection's own task (which cannot wait for itself).
    pub async fn cast(&self, message: C::Message) -> Result<(), CallError> {
        self.enqueue(Envelope::Message(message)).await
    }

    /// Queues a request with no reply if there is room now.
    ///
    /// # Errors
    ///
    /// [`CallError::Full`] when the mailbox is full,
    /// [`CallError::Stopped`] when the connection has stopped.
    pub fn try_cast(&self, message: C::Message) -> Result<(), CallError> {
        try_enqueue(&self.mailbox, &self.status, Envelope::Message(message))
    }

    /// Delivers `info` to the `#[info]` handler, waiting for mailbox space for
    /// at most this client's timeout. For the generated client's `info`.
    pub(crate) async fn info(&self, info: C::Info) -> Result<(), CallError> {
        self.enqueue(Envelope::Info(info)).await
    }

    /// Delivers `info` to the `#[info]` handler if there is room now.
    pub(crate) fn try_info(&self, info: C::Info) -> Result<(), CallError> {
        try_enqueue(&self.mailbox, &self.status, Envelope::Info(info))
    }

    /// A sender to the `#[info]` handler that does not keep the connection
    /// alive.
    pub(crate) fn info_sender(&self) -> InfoSender<C> {
        InfoSender::new(self.mailbox.downgrade(), self.status.clone())
    }

    /// A handle that does not keep the connection alive; it gives a client
    /// back (with this one's timeout) while the connection runs.
    #[must_use]
    pub fn downgrade(&self) -> WeakClient<C> {
        WeakClient {
            mailbox: self.mailbox.downgrade(),
            status: self.status.clone(),
            timeout: self.timeout,
        }
    }

    /// Asks the connection to stop with `reason` once the requests queued
    /// before this one are handled, and waits (for at most this client's
    /// timeout) until `terminate` has run.
    ///
    /// # Errors
    ///
    /// [`CallError::Stopped`] when the connection had already stopped, or
    /// stopped for another reason first; [`CallError::Timeout`] (the stop is
    /// still seen through: only the wait for it ended);
    /// [`CallError::CallingSelf`] from the connection's own task, which
    /// stops itself with `ctx.stop(reason)` instead.
    pub async fn stop(&self, reason: Stop) -> Result<(), CallError> {
        if self.status.is_own_task() {
            return Err(CallError::CallingSelf);
        }
        let (done, stopped) = oneshot::channel();
        let asked = reason.clone();
        let exchange = async {
            if self
                .mailbox
                .send(Envelope::Stop(Box::new((reason, done))))
                .await
                .is_err()
            {
                return Err(CallError::Stopped(self.stopped().await));
            }
            // From now on, a callback that holds the stop up is bounded by
            // the shutdown timeout.
            self.status.ask_shutdown(Some(&asked));
            match stopped.await {
                Ok(()) => Ok(()),
                Err(_) => Err(CallError::Stopped(self.stopped().await)),
            }
        };
        within(self.timeout, exchange)
            .await
            .unwrap_or(Err(CallError::Timeout))
    }

    /// Waits until the connection has stopped, and returns why.
    pub async fn stopped(&self) -> Stop {
        self.status.stopped().await
    }

    /// Whether the connection is still running.
    #[must_use]
    pub fn is_alive(&self) -> bool {
        self.status.is_alive()
    }

    /// Whether the connection is connected: its last connect succeeded and
    /// no disconnect ran since (a snapshot; it may change at once).
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.status.is_connected()
    }

    /// Waits until the connection is connected (at once if it is): `start`
    /// returns once `init` has, and the first connect may take longer.
    ///
    /// # Errors
    ///
    /// Why the connection stopped for good before it was connected.
    pub async fn until_connected(&self) -> Result<(), Stop> {
        self.status.until_connected().await
    }

    /// How many requests and infos wait in the connection's mailbox, not
    /// yet taken by the connection (a snapshot, from the mailbox's free
    /// room: no count is kept for it). The connection takes them out a
    /// batch at a time, so those of the batch it is handling are not
    /// counted. A measure of load: a connection busy with a slow request
    /// has a queue; a pipelined one that keeps up has none (its requests
    /// in flight are [`Pipeline::in_flight`](crate::pipeline::Pipeline::in_flight)).
    ///
    /// The generated client has no method of this name (a request may
    /// have it): reach it through `AsRef<Client<C>>`.
    ///
    /// ```
    /// # use connection::{connection, Attempt, Client, Connect, Disconnect};
    /// # struct Conn;
    /// # #[connection]
    /// # impl Conn {
    /// #     #[connect]
    /// #     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect { Connect::Ok }
    /// #     #[disconnect]
    /// #     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> { Disconnect::NoConnect }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = Conn.start().await.unwrap();
    /// let generic: &Client<Conn> = client.as_ref();
    /// assert_eq!(generic.queued(), 0);
    /// # }
    /// ```
    #[must_use]
    pub fn queued(&self) -> usize {
        self.mailbox.max_capacity() - self.mailbox.capacity()
    }

    /// How many requests the connection holds (a snapshot): those
    /// [`queued`](Self::queued) in its mailbox, those it took out and has
    /// not finished handling, and those its [pipeline](crate::pipeline) has
    /// written (or buffered to be) and not had answered. What a
    /// [pool](crate::pool) balances on; like `queued`, reached through
    /// `AsRef<Client<C>>` from the generated client.
    ///
    /// The connection publishes the last two (a store per request) only
    /// once someone has asked: the first call counts the mailbox alone.
    #[must_use]
    pub fn load(&self) -> usize {
        self.status.watch_load();
        self.queued() + self.status.taken_and_in_flight()
    }

    /// Why the link went down last, while it is down: what the connection
    /// recorded with [`Context::record_failure`](crate::Context::record_failure)
    /// (a pipeline records its link's error and a refused connect), or else
    /// its last disconnect's info written with `Display` (else `Debug`); for
    /// a connection whose incarnation ended (stopped, or crashed and
    /// restarted), why it ended. `None` once a connect succeeds again.
    #[must_use]
    pub fn last_failure(&self) -> Option<Arc<dyn std::error::Error + Send + Sync>> {
        self.status.last_failure()
    }

    /// The status this client reads, for the pool's watchers.
    pub(crate) fn status(&self) -> &Arc<Status> {
        &self.status
    }

    /// The timeout that bounds each request of this client; `None` after
    /// [`without_timeout`](Client::without_timeout).
    #[must_use]
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout.duration()
    }

    /// A clone of this client whose requests time out after `timeout`; 30
    /// years or more (`Duration::MAX`) is no timeout, as
    /// [`without_timeout`](Self::without_timeout).
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        let mut client = self.clone();
        client.timeout = Timeout::after(timeout);
        client
    }

    /// A clone of this client whose requests wait as long as it takes. A
    /// request answered within a scheduler round costs the same either way
    /// (the timer is only made for one that is still waiting after that);
    /// one that waits longer costs a timer, which a caller that bounds its
    /// requests otherwise can skip. A dropped `ReplyTo`, a stop or a panic
    /// still answer at once.
    #[must_use]
    pub fn without_timeout(&self) -> Self {
        let mut client = self.clone();
        client.timeout = Timeout::NONE;
        client
    }

    async fn enqueue(&self, envelope: Envelope<C>) -> Result<(), CallError> {
        // The common case, room in the mailbox, needs neither waiting nor a
        // deadline.
        let envelope = match self.mailbox.try_send(envelope) {
            Ok(()) => return Ok(()),
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(self.status.stopped_now()),
            // Waiting for room would wait for the task that makes it.
            Err(mpsc::error::TrySendError::Full(_)) if self.status.is_own_task() => {
                return Err(CallError::Full);
            }
            Err(mpsc::error::TrySendError::Full(envelope)) => envelope,
        };
        let send = async {
            match self.mailbox.send(envelope).await {
                Ok(()) => Ok(()),
                Err(_) => Err(CallError::Stopped(self.stopped().await)),
            }
        };
        // Boxed: rare, and it would make every cast's future larger.
        Box::pin(within(self.timeout, send))
            .await
            .unwrap_or(Err(CallError::Timeout))
    }
}

/// What a request's answer (or its absence) tells the caller of the
/// connection whose status is `own`; `Err(None)`: the request was lost with
/// an incarnation, whose reason is published right after (its panic is
/// unwinding). A panic elsewhere (a task the answer was handed to) stops
/// nothing: waiting for a reason would wait for ever.
#[inline]
fn settle<R>(
    answer: Result<Result<Answer<R>, oneshot::error::RecvError>, Elapsed>,
    own: &Status,
) -> Result<R, Option<CallError>> {
    match answer {
        Ok(Ok(Answer::Reply(value))) => Ok(value),
        Ok(Ok(Answer::NoReply)) => Err(Some(CallError::NoReply)),
        Ok(Ok(Answer::Refused(error))) => Err(Some(*error)),
        Ok(Ok(Answer::Stopped(reason))) => Err(Some(CallError::Stopped(*reason))),
        Ok(Ok(Answer::Panicked(polled))) if polled != own.address() => {
            Err(Some(CallError::NoReply))
        }
        Ok(Ok(Answer::Panicked(_)) | Err(_)) => Err(None),
        Err(Elapsed) => Err(Some(CallError::Timeout)),
    }
}

impl<C: ConnectionTypes> Clone for Client<C> {
    fn clone(&self) -> Self {
        Client::counted(self.mailbox.clone(), self.status.clone(), self.timeout)
    }
}

impl<C: ConnectionTypes> Drop for Client<C> {
    fn drop(&mut self) {
        self.status.client_dropped();
    }
}

impl<C: ConnectionTypes> fmt::Debug for Client<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("connection", &std::any::type_name::<C>())
            .field("alive", &self.is_alive())
            .field("timeout", &self.timeout())
            .finish()
    }
}

/// A handle to a connection that does not keep it alive: the connection
/// stops once every [`Client`] is dropped, whatever `WeakClient`s remain.
///
/// For a connection that needs a handle to itself (to give to tasks it
/// spawns, or to keep in its state): a [`Client`] kept there would keep it
/// running for ever after every outside client is gone. Get one from
/// [`Client::downgrade`] or [`Context::weak_client`](crate::Context::weak_client);
/// [`upgrade`](WeakClient::upgrade) it for each use.
///
/// ```
/// use connection::{connection, Attempt, Connect, Context, Disconnect, WeakClient};
///
/// struct Worker {
///     me: Option<WeakClient<Worker>>,
/// }
///
/// #[connection]
/// impl Worker {
///     #[connect]
///     async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
///         // Kept in the state without keeping the connection alive.
///         self.me = Some(ctx.weak_client());
///         Connect::Ok
///     }
///
///     #[disconnect]
///     async fn disconnect(&mut self, _info: ()) -> Disconnect<()> {
///         Disconnect::NoConnect
///     }
///
///     #[call]
///     async fn ping(&mut self) -> &'static str {
///         "pong"
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let client = Worker { me: None }.start().await.unwrap();
/// let weak = client.as_ref().downgrade();
/// assert_eq!(weak.upgrade().unwrap().ping().await.unwrap(), "pong");
/// drop(client);
/// // The last client is gone: the connection stops, weak handles or not.
/// while weak.is_alive() {
///     tokio::task::yield_now().await;
/// }
/// assert!(weak.upgrade().is_none());
/// # }
/// ```
pub struct WeakClient<C: ConnectionTypes> {
    mailbox: mpsc::WeakSender<Envelope<C>>,
    status: Arc<Status>,
    timeout: Timeout,
}

impl<C: ConnectionTypes> WeakClient<C> {
    pub(crate) fn new(mailbox: mpsc::WeakSender<Envelope<C>>, status: Arc<Status>) -> Self {
        WeakClient {
            mailbox,
            status,
            timeout: Timeout::after(DEFAULT_CALL_TIMEOUT),
        }
    }

    /// A client of the connection, or `None` once every client is gone
    /// (the connection is then stopping or stopped).
    #[must_use]
    pub fn upgrade(&self) -> Option<C::Client>
    where
        C::Client: From<Client<C>>,
    {
        let mailbox = self.mailbox.upgrade()?;
        Some(C::Client::from(Client::counted(
            mailbox,
            self.status.clone(),
            self.timeout,
        )))
    }

    /// Whether the connection is still running.
    #[must_use]
    pub fn is_alive(&self) -> bool {
        self.status.is_alive()
    }
}

impl<C: ConnectionTypes> Clone for WeakClient<C> {
    fn clone(&self) -> Self {
        WeakClient {
            mailbox: self.mailbox.clone(),
            status: self.status.clone(),
            timeout: self.timeout,
        }
    }
}

impl<C: ConnectionTypes> fmt::Debug for WeakClient<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakClient")
            .field("connection", &std::any::type_name::<C>())
            .field("alive", &self.is_alive())
            .finish()
    }
}

/// A sender to a connection's `#[info]` handler that does not keep the
/// connection alive (the original's plain `send` to the process).
///
/// Get one from [`Context::info_sender`](crate::Context::info_sender)
/// inside the connection, or from the generated client's `info_sender` in
/// the crate that defines it. `send` and `try_send` take the `#[info]`
/// handler's type (anything `Into` the connection's `Info`).
pub struct InfoSender<C: ConnectionTypes> {
    mailbox: mpsc::WeakSender<Envelope<C>>,
    status: Arc<Status>,
}

impl<C: ConnectionTypes> InfoSender<C> {
    pub(crate) fn new(mailbox: mpsc::WeakSender<Envelope<C>>, status: Arc<Status>) -> Self {
        InfoSender { mailbox, status }
    }

    /// Delivers `info`, waiting for mailbox space.
    ///
    /// # Errors
    ///
    /// [`CallError::Stopped`] when the connection has stopped or is stopping;
    /// [`CallError::Full`] when the mailbox is full and this is the
    /// connection's own task (which cannot wait for itself).
    pub async fn send(&self, info: impl IntoInfo<C>) -> Result<(), CallError> {
        let info = info.into_info();
        let Some(mailbox) = self.mailbox.upgrade() else {
            return Err(CallError::Stopped(self.status.stopped().await));
        };
        if self.status.is_own_task() {
            // Waiting for room would wait for the task that makes it.
            return try_enqueue(&mailbox, &self.status, Envelope::Info(info));
        }
        match mailbox.send(Envelope::Info(info)).await {
            Ok(()) => Ok(()),
            Err(_) => Err(CallError::Stopped(self.status.stopped().await)),
        }
    }

    /// Delivers `info` if there is room now.
    ///
    /// # Errors
    ///
    /// [`CallError::Full`] when the mailbox is full, [`CallError::Stopped`]
    /// when the connection has stopped.
    pub fn try_send(&self, info: impl IntoInfo<C>) -> Result<(), CallError> {
        match self.mailbox.upgrade() {
            Some(mailbox) => try_enqueue(&mailbox, &self.status, Envelope::Info(info.into_info())),
            None => Err(self.status.stopped_now()),
        }
    }

    /// Whether the connection is still running.
    #[must_use]
    pub fn is_alive(&self) -> bool {
        self.status.is_alive()
    }
}

impl<C: ConnectionTypes> Clone for InfoSender<C> {
    fn clone(&self) -> Self {
        InfoSender {
            mailbox: self.mailbox.clone(),
            status: self.status.clone(),
        }
    }
}

impl<C: ConnectionTypes> fmt::Debug for InfoSender<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfoSender")
            .field("connection", &std::any::type_name::<C>())
            .field("alive", &self.is_alive())
            .finish()
    }
}

fn try_enqueue<C: ConnectionTypes>(
    mailbox: &mpsc::Sender<Envelope<C>>,
    status: &Status,
    envelope: Envelope<C>,
) -> Result<(), CallError> {
    match mailbox.try_send(envelope) {
        Ok(()) => Ok(()),
        Err(mpsc::error::TrySendError::Full(_)) => Err(CallError::Full),
        Err(mpsc::error::TrySendError::Closed(_)) => Err(status.stopped_now()),
    }
}
