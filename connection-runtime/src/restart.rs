//! Supervised restart: when a connection stops abnormally, build a new one
//! and run it on the same mailbox, so the clients users hold keep working.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::backoff::{Backoff, BackoffFactory};
use crate::connection::Connection;
use crate::deadline::Timeout;
use crate::error::Stop;

/// Which stops a supervisor restarts after, as OTP's child restart types.
///
/// A stop a client asked for ([`Client::stop`](crate::Client::stop)) and the
/// stop after every client is dropped are final under every kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Restart {
    /// After any stop decided by the connection itself, quiet ones included.
    Permanent,
    /// After abnormal stops only: [`Stop::Error`] and [`Stop::Panic`].
    #[default]
    Transient,
    /// Never: the same as [`start`](crate::start).
    Temporary,
}

/// How a supervised connection is restarted: which stops
/// ([`Restart`]), how often at most (OTP's intensity and period: at most
/// `max_restarts` within `within`, past which the connection stops for
/// good), and how long to wait before each restart.
///
/// ```
/// use connection::{Backoff, Restart, RestartPolicy};
/// use std::time::Duration;
///
/// let policy = RestartPolicy::new(Restart::Permanent)
///     .max_restarts(10, Duration::from_secs(60))
///     .backoff(|| Backoff::exp(Duration::from_millis(50), Duration::from_secs(5)).unwrap());
/// assert_eq!(policy.restart(), Restart::Permanent);
/// ```
#[derive(Clone)]
pub struct RestartPolicy {
    restart: Restart,
    max_restarts: usize,
    within: Duration,
    backoff: BackoffFactory,
}

impl RestartPolicy {
    /// A policy of the given kind, with the defaults for the rest.
    #[must_use]
    pub fn new(restart: Restart) -> Self {
        RestartPolicy {
            restart,
            ..Self::default()
        }
    }

    /// At most `max_restarts` restarts within any span of `within`; one more
    /// stop in that span is final. Default: 3 within 5 seconds (OTP's).
    #[must_use]
    pub fn max_restarts(mut self, max_restarts: usize, within: Duration) -> Self {
        self.max_restarts = max_restarts;
        self.within = within;
        self
    }

    /// The delay before each restart. Default: `exp` from 100 ms to 5 s,
    /// reset when no restart happened within the last `within`.
    #[must_use]
    pub fn backoff(mut self, policy: impl Fn() -> Backoff + Send + Sync + 'static) -> Self {
        self.backoff = Arc::new(policy);
        self
    }

    /// Which stops are restarted after.
    #[must_use]
    pub fn restart(&self) -> Restart {
        self.restart
    }

    /// The delays before restarts, for a pool replacing a member that
    /// stopped for good.
    pub(crate) fn delays(&self) -> Backoff {
        (self.backoff)()
    }

    /// Whether a stop with `reason` is restarted after (the limit aside).
    pub(crate) fn restarts_after(&self, reason: &Stop) -> bool {
        match self.restart {
            Restart::Permanent => true,
            Restart::Transient => !reason.is_quiet(),
            Restart::Temporary => false,
        }
    }
}

impl Default for RestartPolicy {
    fn default() -> Self {
        RestartPolicy {
            restart: Restart::Transient,
            max_restarts: 3,
            within: Duration::from_secs(5),
            backoff: Arc::new(|| {
                Backoff::exp(Duration::from_millis(100), Duration::from_secs(5))
                    .expect("100 ms <= 5 s")
            }),
        }
    }
}

impl fmt::Debug for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestartPolicy")
            .field("restart", &self.restart)
            .field("max_restarts", &self.max_restarts)
            .field("within", &self.within)
            .field("backoff", &(self.backoff)())
            .finish()
    }
}

/// A supervisor's memory: how to build a new connection, and when the
/// recent restarts happened.
pub(crate) struct Restarter<C> {
    factory: Box<dyn FnMut() -> C + Send>,
    init_timeout: Timeout,
    policy: RestartPolicy,
    backoff: Backoff,
    recent: VecDeque<Instant>,
}

impl<C: Connection> Restarter<C> {
    pub(crate) fn new(
        factory: Box<dyn FnMut() -> C + Send>,
        policy: RestartPolicy,
        init_timeout: Duration,
    ) -> Self {
        Restarter {
            factory,
            init_timeout: Timeout::after(init_timeout),
            backoff: policy.delays(),
            policy,
            recent: VecDeque::new(),
        }
    }

    /// After an incarnation stopped with `reason`: the delay before the next
    /// one, or `None` to stop for good.
    pub(crate) fn next_delay(&mut self, reason: &Stop) -> Option<Duration> {
        if !self.policy.restarts_after(reason) {
            return None;
        }
        let now = Instant::now();
        while self
            .recent
            .front()
            .is_some_and(|at| now.duration_since(*at) >= self.policy.within)
        {
            self.recent.pop_front();
        }
        if self.recent.len() >= self.policy.max_restarts {
            tracing::error!(
                max_restarts = self.policy.max_restarts,
                within_ms = self.policy.within.as_millis(),
                "too many restarts: stopping for good"
            );
            return None;
        }
        if self.recent.is_empty() {
            self.backoff.reset();
        }
        self.recent.push_back(now);
        self.backoff.next_delay()
    }

    /// The next incarnation.
    pub(crate) fn build(&mut self) -> C {
        (self.factory)()
    }

    /// `Options::init_timeout`, which a restart's `init` has too.
    pub(crate) fn init_timeout(&self) -> Timeout {
        self.init_timeout
    }
}
