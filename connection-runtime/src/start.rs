//! Starting a connection: options, `init`, and spawning the state machine.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use tokio::sync::mpsc;
use tracing::Instrument;

use crate::backoff::{Backoff, BackoffFactory};
use crate::client::Client;
use crate::connection::Connection;
use crate::deadline::{CoarseTimeout, Timeout};
use crate::driver::{self, InitTimedOut, init_failed, run_init};
use crate::error::{StartError, Stop};
use crate::in_span::in_span;
use crate::lasting::Lasting;
use crate::outcome::Init;
use crate::restart::{RestartPolicy, Restarter};
use crate::status::Status;

/// How a connection is started.
///
/// ```
/// use connection::Options;
/// use std::num::NonZeroUsize;
/// use std::time::Duration;
///
/// let options = Options::default()
///     .mailbox_capacity(NonZeroUsize::new(64).unwrap())
///     .call_timeout(Duration::from_secs(1));
/// assert_eq!(options.get_call_timeout(), Duration::from_secs(1));
/// ```
#[derive(Clone)]
pub struct Options {
    mailbox_capacity: NonZeroUsize,
    call_timeout: Duration,
    init_timeout: Duration,
    connect_timeout: Duration,
    shutdown_timeout: Duration,
    idle_timeout: Option<Duration>,
    backoff: BackoffFactory,
    queue_capacity: NonZeroUsize,
}

impl Options {
    /// The default mailbox capacity: 1024 requests.
    pub const DEFAULT_MAILBOX_CAPACITY: NonZeroUsize = NonZeroUsize::new(1024).unwrap();
    /// The default call timeout: 5 seconds (the original's default).
    pub const DEFAULT_CALL_TIMEOUT: Duration = crate::client::DEFAULT_CALL_TIMEOUT;
    /// The default init timeout: 5 seconds.
    pub const DEFAULT_INIT_TIMEOUT: Duration = Duration::from_secs(5);
    /// The default connect timeout: 10 seconds.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// The default shutdown timeout: 5 seconds (OTP's default for a worker).
    pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

    /// How many requests the mailbox holds before senders wait (or
    /// `try_cast` fails with [`CallError::Full`](crate::CallError::Full)).
    ///
    /// When several requests are waiting, the connection takes up to an
    /// eighth of the capacity (at most 32) out of the mailbox at once, which
    /// frees their slots: while it works through them, up to that many more
    /// requests than the capacity may be waiting. A capacity below 16 takes
    /// them one at a time.
    #[must_use]
    pub fn mailbox_capacity(mut self, capacity: NonZeroUsize) -> Self {
        self.mailbox_capacity = capacity;
        self
    }

    /// The timeout of the returned client's requests; change it per client
    /// with [`Client::with_timeout`]. 30 years or more (`Duration::MAX`) is
    /// none.
    #[must_use]
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// How long `init` may take before `start` gives up with
    /// [`StartError::Timeout`]. 30 years or more (`Duration::MAX`) is no
    /// bound.
    #[must_use]
    pub fn init_timeout(mut self, timeout: Duration) -> Self {
        self.init_timeout = timeout;
        self
    }

    /// How long a `connect` may take. Past it, its future is dropped
    /// (cancelled where it waited: a TCP connect to an address that never
    /// answers, a handshake the server never replies to) and the attempt
    /// counts as failed: the failure ("connect did not finish within ..")
    /// is recorded for [`Client::last_failure`](crate::Client::last_failure)
    /// and a pool's error, and the connection backs off by its policy
    /// ([`Context::backoff`](crate::Context::backoff)), or stops with the
    /// failure once the policy gives up, as
    /// [`Context::backoff_or_stop`](crate::Context::backoff_or_stop) does.
    /// What the attempt tied to a link (a watch, a link token, a stream
    /// attached until disconnect) ends with it; fields it set stay as it
    /// left them, for the next attempt to set again. Without it, a connect
    /// to a host that drops packets waits for the kernel to give up (two
    /// minutes on Linux) while requests queue.
    ///
    /// Default: 10 s (fred's; redis-rs gives 1 s, bb8 a checkout 30 s). The
    /// original has none; 49 days or more (`Duration::MAX`) is none here.
    /// Kept to the millisecond.
    ///
    /// ```
    /// use connection::Options;
    /// use std::time::Duration;
    ///
    /// let options = Options::default().connect_timeout(Duration::from_secs(2));
    /// assert_eq!(options.get_connect_timeout(), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a callback may hold up a stop asked for from outside (a
    /// client's [`stop`](crate::Client::stop), or the last client dropped),
    /// like OTP's shutdown timeout. From the moment the stop is asked for,
    /// each callback that runs or is running (a `connect` stuck on an
    /// address that never answers, a handler waiting for ever) gets this
    /// long; past it, its future is dropped (cancelled where it waited),
    /// `terminate` runs on the state as the callback left it (as after a
    /// panic, and no `flush` first), then the connection ends with the
    /// stop's reason and every waiting caller gets its error. `terminate`
    /// gets the same bound. Default: 5 s; 30 years or more (`Duration::MAX`)
    /// is no bound.
    ///
    /// A stop requested by the connection itself (`ctx.stop`, a
    /// callback's `Stop`) is not bounded: it comes from a callback that
    /// has returned.
    #[must_use]
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// A standing idle timeout: armed again after every callback (and once
    /// the connection has started), so that `#[timeout]` runs whenever
    /// nothing happened for `timeout`. For a keepalive that cannot be lost
    /// by a callback that forgets to arm it. A callback's own
    /// [`Context::idle_timeout`](crate::Context::idle_timeout) replaces it
    /// after that callback (`Duration::MAX`: none this time). Default: none,
    /// as in the original, where each callback's return decides.
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// The backoff policy of the connection, reached through
    /// [`Context::backoff`](crate::Context::backoff): `policy` is called once
    /// per started connection, so jittered delays differ between
    /// connections. Default: [`Backoff::default`] (`rand_exp`, 1 s to 30 s).
    ///
    /// ```
    /// use connection::{Backoff, Options};
    /// use std::time::Duration;
    ///
    /// let ms = Duration::from_millis;
    /// let options = Options::default().backoff(move || Backoff::exp(ms(100), ms(5_000)).unwrap());
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn backoff(mut self, policy: impl Fn() -> Backoff + Send + Sync + 'static) -> Self {
        self.backoff = Arc::new(policy);
        self
    }

    /// How many requests marked `when_disconnected = queue` are held while
    /// disconnected before more are refused with
    /// [`CallError::Full`](crate::CallError::Full). Default: 1024.
    #[must_use]
    pub fn queue_capacity(mut self, capacity: NonZeroUsize) -> Self {
        self.queue_capacity = capacity;
        self
    }

    /// The mailbox capacity. (Each setting is read back with `get_` and
    /// its name, as `std::process::Command` does: the plain name sets it.)
    #[must_use]
    pub fn get_mailbox_capacity(&self) -> NonZeroUsize {
        self.mailbox_capacity
    }

    /// The call timeout.
    #[must_use]
    pub fn get_call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// The init timeout.
    #[must_use]
    pub fn get_init_timeout(&self) -> Duration {
        self.init_timeout
    }

    /// The connect timeout.
    #[must_use]
    pub fn get_connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The shutdown timeout.
    #[must_use]
    pub fn get_shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }

    /// The standing idle timeout, if one is set.
    #[must_use]
    pub fn get_idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }
}

/// The default backoff policy, one for every connection: a connection keeps
/// its policy for as long as it runs, and an `Arc` of its own would be one
/// more allocation each.
fn default_backoff_policy() -> BackoffFactory {
    static DEFAULT: LazyLock<BackoffFactory> = LazyLock::new(|| Arc::new(Backoff::default));
    DEFAULT.clone()
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mailbox_capacity: Self::DEFAULT_MAILBOX_CAPACITY,
            call_timeout: Self::DEFAULT_CALL_TIMEOUT,
            init_timeout: Self::DEFAULT_INIT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            shutdown_timeout: Self::DEFAULT_SHUTDOWN_TIMEOUT,
            idle_timeout: None,
            backoff: default_backoff_policy(),
            queue_capacity: Self::DEFAULT_MAILBOX_CAPACITY,
        }
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("mailbox_capacity", &self.mailbox_capacity)
            .field("call_timeout", &self.call_timeout)
            .field("init_timeout", &self.init_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("queue_capacity", &self.queue_capacity)
            .field("backoff", &(self.backoff)())
            .finish()
    }
}

/// Numbers connections for their tracing spans.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Runs `init`, then starts `connection` on a new tokio task and returns its
/// client, before the first `connect` runs.
///
/// `init` runs on the calling task (`start` waits for it in any case, as
/// the original's `start_link` does), inside the connection's tracing span;
/// everything after it runs on the connection's own task. A connection whose
/// `init` fails gets no task and no mailbox.
///
/// The type's generated `start` and `start_with` methods call this.
///
/// # Errors
///
/// [`StartError::Stopped`] when `init` returned
/// [`Init::Stop`](crate::Init::Stop) or panicked, [`StartError::Timeout`]
/// when it took longer than the init timeout (it is then dropped, and
/// `terminate` does not run).
///
/// # Panics
///
/// When called outside a tokio runtime, as `tokio::spawn` does.
pub async fn start<C: Connection>(
    connection: C,
    options: Options,
) -> Result<C::Client, StartError> {
    launch(connection, None, options).await
}

/// Starts `factory()` as [`start`] does, and supervises it: when it stops
/// in a way `policy` restarts after, a new value from `factory` is started
/// on the same mailbox, so the client keeps working. Requests sent during a
/// restart wait for the new incarnation (each within its own timeout); the
/// request being handled when it stopped gets
/// [`CallError::Stopped`](crate::CallError::Stopped). Past the policy's
/// restart limit the connection stops for good, and
/// [`Client::stopped`] reports the last reason.
///
/// ```
/// use connection::{connection, supervise, Attempt, Connect, Disconnect, Options, RestartPolicy};
///
/// struct Fragile;
///
/// #[connection]
/// impl Fragile {
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
///     #[call]
///     async fn crash(&mut self) {
///         panic!("boom");
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
/// let client = supervise(|| Fragile, RestartPolicy::default(), Options::default()).await.unwrap();
/// assert!(client.crash().await.is_err());
/// // Restarted: the same client works again.
/// assert_eq!(client.ping().await.unwrap(), "pong");
/// # }
/// ```
///
/// # Errors
///
/// As [`start`], for the first `init`.
///
/// # Panics
///
/// When called outside a tokio runtime, as `tokio::spawn` does.
pub async fn supervise<C, F>(
    mut factory: F,
    policy: RestartPolicy,
    options: Options,
) -> Result<C::Client, StartError>
where
    C: Connection,
    F: FnMut() -> C + Send + 'static,
{
    let first = factory();
    let restarter = Box::new(Restarter::new(
        Box::new(factory),
        policy,
        options.init_timeout,
    ));
    launch(first, Some(restarter), options).await
}

async fn launch<C: Connection>(
    mut connection: C,
    restarter: Option<Box<Restarter<C>>>,
    options: Options,
) -> Result<C::Client, StartError> {
    let span = tracing::info_span!(
        "connection",
        r#type = std::any::type_name::<C>(),
        id = NEXT_ID.fetch_add(1, Ordering::Relaxed),
    );
    // The mailbox and the context come first: `init` may send itself infos
    // and start timers through its context.
    let (mailbox, inbox) = mpsc::channel(options.mailbox_capacity.get());
    let status = Status::new(Timeout::after(options.shutdown_timeout));
    let lasting = Lasting {
        inbox,
        weak_mailbox: mailbox.downgrade(),
        status: status.clone(),
        held: None,
        queue_capacity: u32::try_from(options.queue_capacity.get()).unwrap_or(u32::MAX),
        backoff: options.backoff.clone(),
        batch: Vec::new(),
        standing_idle: options.idle_timeout.map_or(Timeout::NONE, Timeout::after),
        connect_timeout: CoarseTimeout::after(options.connect_timeout),
    };
    let mut ctx = lasting.context();
    // The caller's client is counted before `init` runs: a client `init`
    // makes of its own and drops (`ctx.weak_client().upgrade()`) must not
    // be taken for the last one gone, which would ask the connection to
    // stop. (Made only after: held across `init`, it would make this
    // future larger, and every start slower, for nothing.)
    status.client_added();
    // `init` runs here, on the caller's task: `start` waits for it anyway
    // (the original's `start_link` returns after `init`), and running it on
    // the new task would cost a round trip to it, across threads on a
    // multi-thread runtime. A connection whose `init` stops never gets a
    // task.
    // Not boxed, unlike a restart's `init`: this future is the caller's,
    // and only for the time `init` takes.
    let init = run_init(
        &mut connection,
        &mut ctx,
        &status,
        Timeout::after(options.init_timeout),
    )
    .instrument(span.clone())
    .await;
    let init = match init {
        Ok(init) => init,
        // The state is dropped without `terminate`, as after a failed init.
        Err(InitTimedOut) => {
            span.in_scope(|| init_failed(connection, ctx, &Stop::error(InitTimedOut)));
            return Err(StartError::Timeout);
        }
    };
    if let Init::Stop(reason) = init {
        span.in_scope(|| init_failed(connection, ctx, &reason));
        return Err(StartError::Stopped(reason));
    }
    let first = Box::new((connection, init, ctx));
    tokio::spawn(in_span(driver::run(lasting, first, restarter), span));
    Ok(C::Client::from(Client::counted_at_start(
        mailbox,
        status,
        options.call_timeout,
    )))
}
