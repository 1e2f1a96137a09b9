//! What a running connection publishes to its handles: whether it is
//! connected, how many incarnations have ended and why, and once it has
//! stopped for good, why.
//!
//! Hand-rolled rather than a `watch` channel: what every call reads is an
//! atomic, the reasons sit behind a mutex only the slow paths take, and the
//! whole costs about a third of a `watch` channel's memory per connection.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use crate::{CallError, Stop};

pub(crate) struct Status {
    connected: AtomicBool,
    stopped: AtomicBool,
    /// How many incarnations have ended (one, unless supervised).
    ends: AtomicU64,
    reasons: Mutex<Reasons>,
    changed: Notify,
}

/// Boxed: set once or rarely, and this is part of every connection's memory.
#[derive(Default)]
struct Reasons {
    /// Set once, when the connection has stopped for good.
    stop: Option<Box<Stop>>,
    /// Why the last incarnation ended.
    last_end: Option<Box<Stop>>,
}

impl Status {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Status {
            connected: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            ends: AtomicU64::new(0),
            reasons: Mutex::default(),
            changed: Notify::new(),
        })
    }

    fn reasons(&self) -> MutexGuard<'_, Reasons> {
        // Nothing that holds the lock can panic; a poisoned lock is still
        // consistent.
        self.reasons.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    pub(crate) fn is_alive(&self) -> bool {
        !self.stopped.load(Ordering::Acquire)
    }

    pub(crate) fn ends(&self) -> u64 {
        self.ends.load(Ordering::Acquire)
    }

    pub(crate) fn set_connected(&self, connected: bool) {
        self.connected.store(connected, Ordering::Release);
    }

    /// An incarnation ended with `reason`: a caller whose request was lost
    /// with it learns the reason from here.
    pub(crate) fn publish_end(&self, reason: &Stop) {
        self.reasons().last_end = Some(Box::new(reason.clone()));
        self.connected.store(false, Ordering::Release);
        self.ends.fetch_add(1, Ordering::AcqRel);
        self.changed.notify_waiters();
    }

    /// The connection stopped for good with `reason` (the first reason
    /// published stays).
    pub(crate) fn publish_stop(&self, reason: &Stop) {
        self.reasons()
            .stop
            .get_or_insert_with(|| Box::new(reason.clone()));
        self.connected.store(false, Ordering::Release);
        self.stopped.store(true, Ordering::Release);
        self.changed.notify_waiters();
    }

    /// The stop reason, once stopped.
    pub(crate) fn stop_reason(&self) -> Option<Stop> {
        self.reasons().stop.as_deref().cloned()
    }

    /// The error for a request whose mailbox is already closed: the runtime
    /// publishes the reason before it closes the mailbox.
    pub(crate) fn stopped_now(&self) -> CallError {
        CallError::Stopped(self.stop_reason().unwrap_or_else(task_dropped))
    }

    /// Waits until the connection has stopped, and returns why.
    pub(crate) async fn stopped(&self) -> Stop {
        self.wait_for(|reasons, _| reasons.stop.as_deref().cloned())
            .await
    }

    /// Why the request of a caller who started waiting when `ends`
    /// incarnations had ended was lost: the next end (or the final stop)
    /// tells.
    pub(crate) async fn lost_since(&self, ends: u64) -> Stop {
        self.wait_for(|reasons, now_ends| {
            reasons.stop.as_deref().cloned().or_else(|| {
                (now_ends > ends)
                    .then(|| reasons.last_end.as_deref().cloned())
                    .flatten()
            })
        })
        .await
    }

    async fn wait_for(&self, mut ready: impl FnMut(&Reasons, u64) -> Option<Stop>) -> Stop {
        loop {
            // Registered before the check, so no change between the check
            // and the wait is missed.
            let changed = self.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            if let Some(reason) = ready(&self.reasons(), self.ends()) {
                return reason;
            }
            changed.await;
        }
    }
}

/// Publishes a stop if the connection's task is dropped without one (its
/// tokio runtime shut down, or it was aborted), so no waiter hangs.
pub(crate) struct StopOnDrop(pub(crate) Arc<Status>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if self.0.is_alive() {
            self.0.publish_stop(&task_dropped());
        }
    }
}

/// The reason reported when the task vanished without stopping.
pub(crate) fn task_dropped() -> Stop {
    Stop::shutdown("the connection's task was dropped")
}
