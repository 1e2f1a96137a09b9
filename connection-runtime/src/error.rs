//! Why a connection stopped, and what a client or a start can fail with.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// Why a connection stopped: the Rust form of the original's exit reasons.
///
/// `Normal` and `Shutdown` are *quiet*: the connection stops without a log
/// line. Every other reason is logged at error level through `tracing`.
///
/// `Stop` is `Clone` (the error is held in an [`Arc`]) so that every waiting
/// caller can be told the same reason.
///
/// ```
/// use connection::Stop;
///
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
/// let stop = Stop::error(io);
/// assert!(!stop.is_quiet());
/// assert_eq!(stop.to_string(), "error: refused");
/// assert!(Stop::shutdown("maintenance").is_quiet());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Stop {
    /// The connection finished its work, or every client handle was dropped.
    Normal,
    /// The connection was asked to shut down, optionally saying why.
    Shutdown(Option<String>),
    /// The connection failed with an error.
    Error(Arc<dyn StdError + Send + Sync>),
    /// A callback panicked; the panic's message.
    Panic(String),
}

impl Stop {
    /// A [`Stop::Error`] carrying `error`.
    pub fn error(error: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Stop::Error(Arc::from(error.into()))
    }

    /// A [`Stop::Shutdown`] with a reason.
    pub fn shutdown(reason: impl Into<String>) -> Self {
        Stop::Shutdown(Some(reason.into()))
    }

    /// Whether this reason stops the connection without logging an error:
    /// true for [`Stop::Normal`] and [`Stop::Shutdown`].
    #[must_use]
    pub fn is_quiet(&self) -> bool {
        matches!(self, Stop::Normal | Stop::Shutdown(_))
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Normal => f.write_str("normal"),
            Stop::Shutdown(None) => f.write_str("shutdown"),
            Stop::Shutdown(Some(reason)) => write!(f, "shutdown: {reason}"),
            Stop::Error(error) => write!(f, "error: {error}"),
            Stop::Panic(message) => write!(f, "panic: {message}"),
        }
    }
}

/// What a client request can get besides its reply.
///
/// ```
/// use connection::{CallError, Stop};
///
/// let error = CallError::Stopped(Stop::Normal);
/// assert_eq!(error.to_string(), "the connection has stopped (normal)");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CallError {
    /// No reply came within the call timeout. A reply that comes later is
    /// dropped harmlessly.
    Timeout,
    /// The connection stopped (before or while handling the request), and why.
    Stopped(Stop),
    /// The handler dropped the request's [`ReplyTo`](crate::ReplyTo) without
    /// replying, or a task it handed the answer to
    /// ([`reply_from_task`](crate::Context::reply_from_task), `#[call(spawn)]`)
    /// panicked.
    NoReply,
    /// The request was refused because the connection is not connected
    /// ([`WhenDisconnected::Reject`](crate::WhenDisconnected::Reject)).
    NotConnected,
    /// A non-waiting send found the mailbox full, or a request to hold until
    /// the connection is up found that queue full; or the connection's own
    /// task found its mailbox full (waiting would wait for itself).
    Full,
    /// The connection's own task made a request of itself (a call, or a
    /// `stop` through a client) from inside one of its callbacks, or from
    /// anything a callback polls itself (a `join!`, a `LocalSet` it runs):
    /// it would wait for the callback that made it, so it fails at once,
    /// not run (the original's `:calling_self`). A task the callback spawns
    /// is not the connection's: it may call it. From a handler, use the
    /// context instead (`ctx.stop(..)`, `ctx.connect(..)`), or call the
    /// method on `self`.
    CallingSelf,
}

impl CallError {
    /// Whether the request certainly never reached a handler, so that
    /// sending it again cannot run it twice: refused while not connected,
    /// with the mailbox or the held queue full, or made by the connection
    /// of itself. After a timeout, a stop or a dropped reply the handler
    /// may have run.
    ///
    /// ```
    /// use connection::CallError;
    ///
    /// assert!(CallError::NotConnected.is_unsent());
    /// assert!(!CallError::Timeout.is_unsent());
    /// ```
    #[must_use]
    pub fn is_unsent(&self) -> bool {
        match self {
            CallError::NotConnected | CallError::Full | CallError::CallingSelf => true,
            CallError::Timeout | CallError::Stopped(_) | CallError::NoReply => false,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout => f.write_str("the call timed out"),
            CallError::Stopped(reason) => write!(f, "the connection has stopped ({reason})"),
            CallError::NoReply => {
                f.write_str("the connection dropped the request without replying")
            }
            CallError::NotConnected => f.write_str("the connection is not connected"),
            CallError::Full => f.write_str("the connection's mailbox is full"),
            CallError::CallingSelf => f.write_str(
                "a connection made a request of itself from its own task, which would wait for itself",
            ),
        }
    }
}

impl StdError for CallError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            CallError::Stopped(Stop::Error(error)) => Some(&**error),
            _ => None,
        }
    }
}

/// Why [`start`](crate::start) failed. No connection is running afterwards,
/// and `terminate` did not run.
///
/// ```
/// use connection::{StartError, Stop};
///
/// let error = StartError::Stopped(Stop::Panic("boom".into()));
/// assert_eq!(error.to_string(), "init stopped the connection (panic: boom)");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StartError {
    /// `init` returned [`Init::Stop`](crate::Init::Stop) or panicked
    /// ([`Stop::Panic`]).
    Stopped(Stop),
    /// `init` did not return within [`Options::init_timeout`](crate::Options::init_timeout).
    Timeout,
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Stopped(reason) => write!(f, "init stopped the connection ({reason})"),
            StartError::Timeout => f.write_str("init timed out"),
        }
    }
}

impl StdError for StartError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            StartError::Stopped(Stop::Error(error)) => Some(&**error),
            _ => None,
        }
    }
}
