//! What a running connection publishes to its handles: whether it is
//! connected, how many incarnations have ended and why, and once it has
//! stopped for good, why.
//!
//! Hand-rolled rather than a `watch` channel: what every call reads is an
//! atomic, the reasons sit behind a mutex only the slow paths take, and the
//! whole costs about a third of a `watch` channel's memory per connection.

use std::cell::Cell;
use std::error::Error;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;
use tokio::sync::futures::Notified;
use tokio::time::Instant;

use crate::deadline::Timeout;
use crate::error::{CallError, Stop};

/// [`Status::state`]: connected.
const CONNECTED: u64 = 1;
/// [`Status::state`]: stopped for good.
const STOPPED: u64 = 2;
/// [`Status::state`]: a stop was asked for from outside (a client's
/// `stop`, or the last client gone): callbacks are bounded from now on.
const SHUTDOWN: u64 = 4;
/// [`Status::state`]: one more incarnation has ended (the count is kept in
/// bits 3 to 31).
const ONE_END: u64 = 8;
const ENDS: u64 = 0xffff_fff8;
/// [`Status::state`]: one more client (the count is kept in the top 32 bits).
const ONE_CLIENT: u64 = 1 << 32;

/// [`Status::taken`] until someone asks for the connection's load: nothing
/// is published, so a connection nobody balances on pays nothing for it.
const UNWATCHED: u32 = u32::MAX;

/// Kept small: this is part of every connection's memory (72 bytes, so that
/// with its `Arc` it takes one 88-byte allocation).
pub(crate) struct Status {
    /// Whether connected, whether stopped for good, and how many
    /// incarnations have ended (one, unless supervised): one word, read by
    /// every call with one load.
    state: AtomicU64,
    /// Created with the first reason: set once or rarely.
    reasons: Mutex<Option<Box<Reasons>>>,
    changed: Notify,
    /// How long a callback may hold up a stop asked for from outside
    /// (`Options::shutdown_timeout`). Here rather than in the task's state:
    /// only a callback found waiting reads it, and every byte of the task's
    /// future is part of every connection's memory.
    shutdown_timeout: Timeout,
    /// The load a pool balances on, besides the mailbox's depth: requests
    /// the connection took out of its mailbox and has not finished
    /// handling ([`UNWATCHED`] until someone asks), and requests its
    /// pipeline holds written (or buffered to be) and not answered. Stored,
    /// not counted up and down: each has one writer at a time (the
    /// connection's task; the pipeline, under its lock).
    taken: AtomicU32,
    in_flight: AtomicU32,
}

/// Why a link is down, as the connection recorded it.
pub(crate) type LinkFailure = Arc<dyn Error + Send + Sync>;

#[derive(Default)]
struct Reasons {
    /// Set once, when the connection has stopped for good.
    stop: Option<Stop>,
    /// Why the last incarnation ended.
    last_end: Option<Stop>,
    /// The first stop a client asked for.
    asked: Option<Stop>,
    /// Why the link went down last (a failed connect, a lost link), and
    /// when, until the next connect succeeds.
    failure: Option<(Instant, LinkFailure)>,
}

impl Status {
    pub(crate) fn new(shutdown_timeout: Timeout) -> Arc<Self> {
        Arc::new(Status {
            state: AtomicU64::new(0),
            reasons: Mutex::default(),
            changed: Notify::new(),
            shutdown_timeout,
            taken: AtomicU32::new(UNWATCHED),
            in_flight: AtomicU32::new(0),
        })
    }

    /// Whether the caller is one of this connection's callbacks (its task,
    /// polling the callback): a request it sent to its own mailbox would
    /// wait for itself. One thread-local read, against the task id's
    /// lookup and comparison on every call.
    #[inline]
    pub(crate) fn is_own_task(&self) -> bool {
        RUNNING_CALLBACK.get() == std::ptr::from_ref(self)
    }

    /// This status's address: what [`polled_connection`] gives while one of
    /// this connection's callbacks is polled.
    #[inline]
    pub(crate) fn address(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Marks this connection's callback as running on this thread until the
    /// guard drops (after the callback's poll): the one place
    /// [`is_own_task`](Status::is_own_task) learns it, as every callback is
    /// polled through [`bounded`](crate::shutdown::bounded).
    #[inline(always)]
    pub(crate) fn running_callback(&self) -> RunningCallback {
        RunningCallback(RUNNING_CALLBACK.replace(std::ptr::from_ref(self)))
    }

    fn reasons(&self) -> MutexGuard<'_, Option<Box<Reasons>>> {
        // Nothing that holds the lock can panic; a poisoned lock is still
        // consistent.
        self.reasons.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `change` to the state word. Only the connection's task
    /// writes it, so the loop runs once.
    fn update(&self, change: impl Fn(u64) -> u64) {
        let _ = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                Some(change(state))
            });
    }

    #[inline]
    pub(crate) fn is_connected(&self) -> bool {
        self.state.load(Ordering::Acquire) & CONNECTED != 0
    }

    #[inline]
    pub(crate) fn is_alive(&self) -> bool {
        self.state.load(Ordering::Acquire) & STOPPED == 0
    }

    #[inline]
    pub(crate) fn ends(&self) -> u64 {
        (self.state.load(Ordering::Acquire) & ENDS) / ONE_END
    }

    /// One more [`Client`](crate::Client).
    pub(crate) fn client_added(&self) {
        self.state.fetch_add(ONE_CLIENT, Ordering::Relaxed);
    }

    /// One client fewer: the last one gone asks the connection to stop.
    pub(crate) fn client_dropped(&self) {
        let before = self.state.fetch_sub(ONE_CLIENT, Ordering::AcqRel);
        if before / ONE_CLIENT == 1 {
            self.ask_shutdown(None);
        }
    }

    /// A stop was asked for from outside, for `reason` (a client's `stop`)
    /// or none (the last client gone): from now on a callback that keeps
    /// the connection from stopping is cancelled after the shutdown
    /// timeout.
    pub(crate) fn ask_shutdown(&self, reason: Option<&Stop>) {
        if let Some(reason) = reason {
            self.reasons()
                .get_or_insert_default()
                .asked
                .get_or_insert_with(|| reason.clone());
        }
        self.state.fetch_or(SHUTDOWN, Ordering::AcqRel);
        self.changed.notify_waiters();
    }

    /// Why a connection cancelled past its shutdown timeout stops: the
    /// first stop a client asked for, or `Normal` when every client is gone.
    pub(crate) fn shutdown_reason(&self) -> Stop {
        self.reasons()
            .as_ref()
            .and_then(|reasons| reasons.asked.clone())
            .unwrap_or(Stop::Normal)
    }

    pub(crate) fn shutdown_timeout(&self) -> Timeout {
        self.shutdown_timeout
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.state.load(Ordering::Acquire) & SHUTDOWN != 0
    }

    /// Registers for the next change of the state or the reasons (a
    /// shutdown asked for, a stop published): enable it before checking.
    pub(crate) fn changed(&self) -> Notified<'_> {
        self.changed.notified()
    }

    pub(crate) fn set_connected(&self, connected: bool) {
        let before = if connected {
            self.state.fetch_or(CONNECTED, Ordering::AcqRel)
        } else {
            self.state.fetch_and(!CONNECTED, Ordering::AcqRel)
        };
        // Only a change wakes whoever waits for one (`until_connected`).
        if (before & CONNECTED != 0) != connected {
            if connected {
                // Up again: an old failure no longer says why it is down.
                if let Some(reasons) = self.reasons().as_mut() {
                    reasons.failure = None;
                }
            }
            self.changed.notify_waiters();
        }
    }

    /// Waits until the connection is no longer connected; or, when it stops
    /// for good, returns why.
    pub(crate) async fn until_disconnected(&self) -> Result<(), Stop> {
        self.until_connected_is(false).await
    }

    /// Records why the link is down: what a pool that finds no member
    /// connected reports.
    pub(crate) fn record_failure(&self, failure: LinkFailure) {
        self.reasons().get_or_insert_default().failure = Some((Instant::now(), failure));
    }

    /// Records `failure()` unless a failure was recorded since the last
    /// connect.
    pub(crate) fn record_failure_unless_told(&self, failure: impl FnOnce() -> LinkFailure) {
        self.reasons()
            .get_or_insert_default()
            .failure
            .get_or_insert_with(|| (Instant::now(), failure()));
    }

    /// Why the link went down last, until the next connect succeeds; or,
    /// for a connection whose last incarnation ended (stopped, or crashed
    /// and restarted), why it ended.
    pub(crate) fn last_failure(&self) -> Option<LinkFailure> {
        self.last_failure_and_when().map(|(_, failure)| failure)
    }

    /// [`last_failure`](Self::last_failure), and when it was recorded
    /// (`None` for an ended incarnation's reason): a pool reports the most
    /// recent of its members'.
    pub(crate) fn last_failure_and_when(&self) -> Option<(Option<Instant>, LinkFailure)> {
        let reasons = self.reasons();
        let reasons = reasons.as_ref()?;
        if let Some((at, failure)) = &reasons.failure {
            return Some((Some(*at), failure.clone()));
        }
        let ended = match &reasons.stop {
            Some(stop) => stop,
            None if self.is_connected() => return None,
            None => reasons.last_end.as_ref()?,
        };
        let failure: LinkFailure = match ended {
            Stop::Error(error) => error.clone(),
            other => Arc::new(Described(other.to_string())),
        };
        Some((None, failure))
    }

    /// From now on, the connection publishes its load (a pool holds it, or
    /// a client asked for its load).
    pub(crate) fn watch_load(&self) {
        let _ = self
            .taken
            .compare_exchange(UNWATCHED, 0, Ordering::Relaxed, Ordering::Relaxed);
    }

    #[inline]
    fn is_load_watched(&self) -> bool {
        self.taken.load(Ordering::Relaxed) != UNWATCHED
    }

    /// Publishes how many requests the connection took out of its mailbox
    /// and has not finished handling, if anyone looks.
    #[inline]
    pub(crate) fn set_taken(&self, requests: usize) {
        if self.is_load_watched() {
            self.taken.store(saturate(requests), Ordering::Relaxed);
        }
    }

    /// Publishes how many requests the pipeline holds in flight, if anyone
    /// looks.
    #[cfg(feature = "pipeline")]
    pub(crate) fn set_in_flight(&self, requests: usize) {
        if self.is_load_watched() {
            self.in_flight.store(saturate(requests), Ordering::Relaxed);
        }
    }

    /// Counts one more request handed off and not answered, if anyone
    /// looks; whether it was counted (and must be uncounted).
    pub(crate) fn add_handed_off(&self) -> bool {
        let counted = self.is_load_watched();
        if counted {
            self.in_flight.fetch_add(1, Ordering::Relaxed);
        }
        counted
    }

    /// One request counted by [`add_handed_off`](Self::add_handed_off) was
    /// answered.
    pub(crate) fn remove_handed_off(&self) {
        let _ = self
            .in_flight
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// The pipeline's requests in flight, as last published.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed) as usize
    }

    /// The requests taken and in flight, as last published (0 until
    /// [`watch_load`](Self::watch_load)).
    pub(crate) fn taken_and_in_flight(&self) -> usize {
        match self.taken.load(Ordering::Relaxed) {
            UNWATCHED => 0,
            taken => taken as usize + self.in_flight(),
        }
    }

    /// Waits until the connection is connected; or, when it stops for good
    /// first, returns why.
    pub(crate) async fn until_connected(&self) -> Result<(), Stop> {
        self.until_connected_is(true).await
    }

    /// Waits until whether the connection is connected is `connected`; or,
    /// when it stops for good first, returns why (a stopped connection is
    /// not connected, and says why it will not be again).
    async fn until_connected_is(&self, connected: bool) -> Result<(), Stop> {
        loop {
            // Registered before the check, as in `wait_for`.
            let changed = self.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            if let Some(reason) = self.stop_reason() {
                return Err(reason);
            }
            if self.is_connected() == connected {
                return Ok(());
            }
            changed.await;
        }
    }

    /// An incarnation ended with `reason`: a caller whose request was lost
    /// with it learns the reason from here.
    pub(crate) fn publish_end(&self, reason: &Stop) {
        self.reasons().get_or_insert_default().last_end = Some(reason.clone());
        // The count wraps within its bits, never into the clients'.
        self.update(|state| {
            let ends = state.wrapping_add(ONE_END) & ENDS;
            (state & !(CONNECTED | ENDS)) | ends
        });
        self.changed.notify_waiters();
    }

    /// The connection stopped for good with `reason` (the first reason
    /// published stays).
    pub(crate) fn publish_stop(&self, reason: &Stop) {
        self.reasons()
            .get_or_insert_default()
            .stop
            .get_or_insert_with(|| reason.clone());
        self.update(|state| (state & !CONNECTED) | STOPPED);
        self.changed.notify_waiters();
    }

    /// The stop reason, once stopped.
    pub(crate) fn stop_reason(&self) -> Option<Stop> {
        self.reasons().as_ref()?.stop.clone()
    }

    /// The error for a request whose mailbox is already closed: the runtime
    /// publishes the reason before it closes the mailbox.
    pub(crate) fn stopped_now(&self) -> CallError {
        CallError::Stopped(self.stop_reason().unwrap_or_else(task_dropped))
    }

    /// Waits until the connection has stopped, and returns why.
    pub(crate) async fn stopped(&self) -> Stop {
        self.wait_for(|reasons, _| reasons.stop.clone()).await
    }

    /// Why the request of a caller who started waiting when `ends`
    /// incarnations had ended was lost: the next end (or the final stop)
    /// tells.
    pub(crate) async fn lost_since(&self, ends: u64) -> Stop {
        self.wait_for(|reasons, now_ends| {
            reasons.stop.clone().or_else(|| {
                (now_ends > ends)
                    .then(|| reasons.last_end.clone())
                    .flatten()
            })
        })
        .await
    }

    /// Waits until `ready` finds a reason in the published reasons (given
    /// with how many incarnations have ended).
    async fn wait_for(&self, mut ready: impl FnMut(&Reasons, u64) -> Option<Stop>) -> Stop {
        loop {
            // Registered before the check, so no change between the check
            // and the wait is missed.
            let changed = self.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            let found = self
                .reasons()
                .as_deref()
                .and_then(|reasons| ready(reasons, self.ends()));
            if let Some(reason) = found {
                return reason;
            }
            changed.await;
        }
    }
}

/// A count as the status keeps it: below [`UNWATCHED`].
fn saturate(count: usize) -> u32 {
    u32::try_from(count).map_or(UNWATCHED - 1, |count| count.min(UNWATCHED - 1))
}

/// A failure told as a string: an ended incarnation's reason, or a
/// disconnect info written with its `Debug`.
#[derive(Debug)]
pub(crate) struct Described(pub(crate) String);

impl fmt::Display for Described {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for Described {}

/// Publishes a stop if the connection's task is dropped without one (its
/// tokio runtime shut down, or it was aborted), so no waiter hangs.
pub(crate) struct StopOnDrop(pub(crate) Arc<Status>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if !self.0.is_alive() {
            return;
        }
        // Callbacks' panics are caught; one unwinding through here is the
        // runtime's own: a bug, told loudly rather than as a quiet shutdown.
        if std::thread::panicking() {
            tracing::error!("the connection's task panicked outside its callbacks");
            self.0.publish_stop(&Stop::Panic(
                "the connection's runtime panicked outside its callbacks".to_owned(),
            ));
        } else {
            self.0.publish_stop(&task_dropped());
        }
    }
}

thread_local! {
    /// The status of the connection whose callback this thread is polling
    /// (null when none): see [`Status::running_callback`].
    static RUNNING_CALLBACK: Cell<*const Status> = const { Cell::new(std::ptr::null()) };
}

/// The [address](Status::address) of the connection whose callback this
/// thread is polling, 0 when none: a `ReplyTo` dropped while a panic unwinds
/// says whose panic it is.
pub(crate) fn polled_connection() -> usize {
    RUNNING_CALLBACK.get().addr()
}

/// Marks no connection's callback as running on this thread until the
/// guard drops: for a future polled inside a callback that is not the
/// connection's own (an answer's first poll, which runs on a task after),
/// so that it may call its connection as it could from its task.
pub(crate) fn outside_callbacks() -> RunningCallback {
    RunningCallback(RUNNING_CALLBACK.replace(std::ptr::null()))
}

/// While it lives, a connection's callback is being polled on this thread;
/// dropped, it restores the mark it replaced: a callback may poll another
/// connection's inside its own (starting one runs its `init` right there).
pub(crate) struct RunningCallback(*const Status);

impl Drop for RunningCallback {
    #[inline(always)]
    fn drop(&mut self) {
        RUNNING_CALLBACK.set(self.0);
    }
}

/// The reason reported when the task vanished without stopping.
pub(crate) fn task_dropped() -> Stop {
    Stop::shutdown("the connection's task was dropped")
}

// What every connection keeps: see `Status`.
const _: () = assert!(std::mem::size_of::<Status>() <= 72);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_its_own_only_while_its_callback_is_polled() {
        let status = Status::new(Timeout::NONE);
        let other = Status::new(Timeout::NONE);
        assert!(!status.is_own_task(), "no callback running");
        {
            let _running = status.running_callback();
            assert!(status.is_own_task());
            assert!(!other.is_own_task(), "another connection's");
            {
                // Another connection's callback polled inside this one (its
                // `init`, started from here).
                let _inner = other.running_callback();
                assert!(other.is_own_task() && !status.is_own_task());
            }
            assert!(status.is_own_task(), "restored after the inner poll");
            let elsewhere =
                std::thread::scope(|scope| scope.spawn(|| status.is_own_task()).join().unwrap());
            assert!(!elsewhere, "another thread");
        }
        assert!(!status.is_own_task(), "the poll returned");
    }

    #[test]
    fn a_task_unwinding_past_its_guard_is_reported_as_a_panic_not_a_shutdown() {
        let status = Status::new(Timeout::NONE);
        let guard = StopOnDrop(status.clone());
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _guard = guard;
            panic!("a bug in the loop");
        }));
        assert!(unwound.is_err());
        assert!(matches!(status.stop_reason(), Some(Stop::Panic(_))));

        let status = Status::new(Timeout::NONE);
        drop(StopOnDrop(status.clone()));
        assert_eq!(
            status.stop_reason().map(|reason| reason.to_string()),
            Some(task_dropped().to_string())
        );
    }

    #[test]
    fn the_state_word_keeps_the_flags_and_the_count_apart() {
        let status = Status::new(Timeout::NONE);
        assert!(!status.is_connected() && status.is_alive() && status.ends() == 0);

        status.set_connected(true);
        assert!(status.is_connected());
        status.publish_end(&Stop::Normal);
        assert!(!status.is_connected(), "an end disconnects");
        assert_eq!(status.ends(), 1);

        status.set_connected(true);
        status.publish_end(&Stop::error("lost"));
        assert_eq!(status.ends(), 2);
        assert!(status.is_alive());

        status.set_connected(true);
        status.publish_stop(&Stop::Normal);
        assert!(!status.is_connected() && !status.is_alive());
        assert_eq!(status.ends(), 2, "a stop is not an end");
        assert_eq!(
            status.stop_reason().map(|stop| stop.to_string()).as_deref(),
            Some("normal")
        );
    }

    #[test]
    fn the_last_client_gone_asks_for_a_shutdown_and_counts_stay_apart() {
        let status = Status::new(Timeout::NONE);
        status.client_added();
        status.client_added();
        status.set_connected(true);
        status.client_dropped();
        assert!(!status.is_shutting_down(), "one client is left");
        for _ in 0..3 {
            status.publish_end(&Stop::Normal);
        }
        assert_eq!(status.ends(), 3);
        assert!(!status.is_shutting_down());
        status.client_dropped();
        assert!(status.is_shutting_down(), "the last client is gone");
        assert_eq!(status.ends(), 3);
        assert!(status.is_alive() && !status.is_connected());
    }

    #[test]
    fn the_count_of_ends_wraps_within_its_bits() {
        let status = Status::new(Timeout::NONE);
        status.client_added();
        status.state.fetch_or(ENDS, Ordering::Relaxed);
        status.publish_end(&Stop::Normal);
        assert_eq!(status.ends(), 0);
        assert_eq!(status.state.load(Ordering::Relaxed) / ONE_CLIENT, 1);
    }

    #[test]
    fn the_first_stop_reason_stays() {
        let status = Status::new(Timeout::NONE);
        assert!(status.stop_reason().is_none());
        status.publish_stop(&Stop::error("first"));
        status.publish_stop(&Stop::Normal);
        assert_eq!(
            status.stop_reason().map(|stop| stop.to_string()).as_deref(),
            Some("error: first")
        );
    }

    #[tokio::test]
    async fn a_caller_waiting_since_an_end_count_learns_the_next_end() {
        let status = Status::new(Timeout::NONE);
        status.publish_end(&Stop::error("old"));
        let waiter = {
            let status = status.clone();
            tokio::spawn(async move { status.lost_since(1).await })
        };
        tokio::task::yield_now().await;
        assert!(
            !waiter.is_finished(),
            "an end before the wait does not count"
        );
        status.publish_end(&Stop::error("new"));
        assert_eq!(waiter.await.unwrap().to_string(), "error: new");
    }
}
