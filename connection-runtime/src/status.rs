//! What a running connection publishes to its handles: whether it is
//! connected, and once it has stopped, why.

use tokio::sync::watch;

use crate::{CallError, Stop};

#[derive(Clone, Debug, Default)]
pub(crate) struct Status {
    /// Set once, when the connection has stopped.
    pub(crate) stop: Option<Stop>,
    /// Whether the last connect succeeded and no disconnect ran since.
    pub(crate) connected: bool,
    /// How many incarnations have ended (one, unless supervised), and why
    /// the last one did.
    pub(crate) ends: u64,
    pub(crate) last_end: Option<Stop>,
}

pub(crate) type StatusSender = watch::Sender<Status>;
pub(crate) type StatusReceiver = watch::Receiver<Status>;

/// The stop reason of a connection whose mailbox is already closed: the
/// runtime publishes the reason before it closes the mailbox.
pub(crate) fn stopped_now(status: &StatusReceiver) -> CallError {
    CallError::Stopped(status.borrow().stop.clone().unwrap_or_else(task_dropped))
}

/// Waits until the connection has stopped, and returns why.
pub(crate) async fn stopped(status: &StatusReceiver) -> Stop {
    let mut status = status.clone();
    // An error means the task vanished without publishing a reason.
    let reason = match status.wait_for(|status| status.stop.is_some()).await {
        Ok(status) => status.stop.clone(),
        Err(_) => None,
    };
    reason.unwrap_or_else(task_dropped)
}

/// Why the request of a caller who started waiting when `ends` incarnations
/// had ended was lost: the next end (or the final stop) tells.
pub(crate) async fn lost_since(status: &StatusReceiver, ends: u64) -> Stop {
    let mut status = status.clone();
    let reason = match status
        .wait_for(|status| status.stop.is_some() || status.ends > ends)
        .await
    {
        Ok(status) => status.stop.clone().or_else(|| status.last_end.clone()),
        Err(_) => None,
    };
    reason.unwrap_or_else(task_dropped)
}

/// The reason reported when the task vanished without stopping (its tokio
/// runtime shut down, or it was aborted).
pub(crate) fn task_dropped() -> Stop {
    Stop::shutdown("the connection's task was dropped")
}
