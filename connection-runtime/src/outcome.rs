//! What `init`, `connect` and `disconnect` return, and what `connect` is told.
//!
//! Each callback has its own enum, so the original's "bad return value" stops
//! cannot be written: `connect` cannot chain into another connect, and
//! `disconnect` cannot claim to be connected.

use std::time::Duration;

use crate::error::Stop;

/// What `init` asks for. `start` returns as soon as `init` has returned, and
/// before the first `connect` runs.
///
/// ```
/// use connection::Init;
/// use std::time::Duration;
///
/// // Stagger the first attempt of many connections.
/// let init: Init<()> = Init::Backoff(Duration::from_millis(250));
/// # let _ = init;
/// ```
#[derive(Debug)]
#[must_use]
pub enum Init<I> {
    /// Enter the loop without connecting, because `init` connected by
    /// itself: the connection counts as connected (for
    /// [`WhenDisconnected`](crate::WhenDisconnected) and `is_connected`). An
    /// `init` that is not connected returns `Connect` or `Backoff` instead.
    Ok,
    /// Run `connect` with [`Attempt::Requested`] before any message is handled,
    /// including calls sent just after `start` returned.
    Connect(I),
    /// Run `connect` with [`Attempt::Backoff`] after this delay.
    ///
    /// A delay of 30 years or more, such as `Duration::MAX`, is the
    /// original's `:infinity`: no timer; only a requested connect ends the
    /// wait.
    Backoff(Duration),
    /// Do not start: `start` fails with
    /// [`StartError::Stopped`](crate::StartError::Stopped). `terminate` does
    /// not run.
    Stop(Stop),
}

/// What `connect` returns.
#[derive(Debug)]
#[must_use]
pub enum Connect {
    /// Connected.
    Ok,
    /// Not connected; try again after this delay (`connect` then runs with
    /// [`Attempt::Backoff`]). Any connect or disconnect before then cancels
    /// the retry.
    ///
    /// A delay of 30 years or more, such as `Duration::MAX`, is the
    /// original's `:infinity`: no timer; only a requested connect ends the
    /// wait.
    Backoff(Duration),
    /// Stop the connection: `terminate` runs, then the connection ends.
    Stop(Stop),
}

/// What `disconnect` returns.
#[derive(Debug)]
#[must_use]
pub enum Disconnect<I> {
    /// Run `connect` with [`Attempt::Requested`] at once, in the same step, before
    /// any queued message.
    Connect(I),
    /// Stay disconnected until something requests a connect.
    NoConnect,
    /// Run `connect` with [`Attempt::Backoff`] after this delay.
    ///
    /// A delay of 30 years or more, such as `Duration::MAX`, is the
    /// original's `:infinity`: no timer; only a requested connect ends the
    /// wait.
    Backoff(Duration),
    /// Stop the connection: `terminate` runs, then the connection ends.
    Stop(Stop),
}

/// Why `connect` runs: a requested attempt carrying its connect info, or a
/// retry fired by the backoff timer.
///
/// ```
/// use connection::Attempt;
///
/// fn describe(attempt: &Attempt<&str>) -> String {
///     match attempt {
///         Attempt::Requested(why) => format!("asked to connect: {why}"),
///         Attempt::Backoff => "retrying after a backoff".to_owned(),
///     }
/// }
/// assert_eq!(describe(&Attempt::Requested("init")), "asked to connect: init");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt<I> {
    /// Requested by `init`, `disconnect` or a handler (`ctx.connect(info)`),
    /// with that connect info.
    Requested(I),
    /// Fired by the backoff timer.
    Backoff,
}

impl<I> Attempt<I> {
    /// Whether this attempt is a backoff retry.
    pub fn is_backoff(&self) -> bool {
        matches!(self, Attempt::Backoff)
    }

    /// The connect info of a requested attempt; `None` for a backoff retry.
    pub fn into_info(self) -> Option<I> {
        match self {
            Attempt::Requested(info) => Some(info),
            Attempt::Backoff => None,
        }
    }
}
