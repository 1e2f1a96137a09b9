//! The requests of one link that were written (or buffered to be) and not
//! answered yet, shared by the connection (which adds them in write order)
//! and the link's reader (which answers them in the same order, and watches
//! the oldest one's deadline).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore, TryAcquireError};
use tokio::time::Instant;

use super::LinkError;
use super::respond::{LaneCopies, Lanes, Respond, Waiter};
use crate::reply::is_dropping_as_stopped;
use crate::status::Status;

pub(super) struct InFlight<T> {
    queue: Mutex<Queue<T>>,
    /// Free places for requests in flight; closed when the link ends, so
    /// that a writer waiting for a place learns of it.
    slots: Semaphore,
    /// Set once the link has ended; `ended` wakes whoever waits for it (the
    /// reader, and a write that the peer does not take).
    is_ended: AtomicBool,
    ended: Notify,
    /// Wakes the reader: its timer must fire earlier than it is set to (a
    /// request was added to an empty queue), a write failed, or the link
    /// ended. One signal for all three, kept registered across the
    /// reader's reads.
    wake_reader: Notify,
    /// How long the oldest request may wait for its response; `None` for
    /// no limit.
    response_timeout: Option<Duration>,
    /// After this long with nothing in flight, the reader sends a ping.
    keepalive: Option<Duration>,
    /// Where the connection publishes how many requests are in flight (its
    /// load, with the mailbox's depth) and why its link ended.
    status: Arc<Status>,
}

struct Queue<T> {
    /// Oldest first: the order the requests were written in.
    waiting: VecDeque<Waiting<T>>,
    /// Where responders other than a plain `ReplyTo` wait.
    lanes: Lanes<T>,
    /// Why the link ended, once it has.
    ended: Option<LinkError>,
    /// Why the reader found the link lost, before it is ended.
    lost: Option<LinkError>,
    /// When the reader's timer fires, if it is set.
    timer: Option<Instant>,
    /// Since when nothing has been in flight (for the keepalive).
    idle_since: Instant,
}

struct Waiting<T> {
    /// `None` for a request nobody waits for (its response is read and
    /// dropped).
    responder: Option<Waiter<T>>,
    /// When the request was buffered to be written: its deadline counts
    /// from here.
    sent_at: Instant,
}

/// The reader's buffer of the requests a read answers with their responses,
/// and its copies of the link's lanes: kept across reads, so that answering
/// allocates nothing.
pub(super) struct Answered<T> {
    responses: Vec<(Option<Waiter<T>>, T)>,
    lanes: LaneCopies<T>,
}

impl<T> Default for Answered<T> {
    fn default() -> Self {
        Answered {
            responses: Vec::new(),
            lanes: Vec::new(),
        }
    }
}

/// A place for one more request in flight, or why there is none to wait for.
pub(super) enum Slot {
    Taken,
    Full,
    Ended,
}

/// What the reader's timer calls for when it fires.
pub(super) enum Due {
    /// A write failed: the link is lost with this error.
    WriteFailed(LinkError),
    /// The oldest request waited past the response timeout.
    Unresponsive(Duration),
    /// Nothing was in flight for the keepalive interval.
    Ping,
    /// Nothing yet: fire again at this instant (or never).
    Wait(Option<Instant>),
}

impl<T> InFlight<T> {
    pub(super) fn new(
        max: usize,
        response_timeout: Option<Duration>,
        keepalive: Option<Duration>,
        status: Arc<Status>,
    ) -> Self {
        InFlight {
            queue: Mutex::new(Queue {
                waiting: VecDeque::new(),
                lanes: Lanes::default(),
                ended: None,
                lost: None,
                timer: None,
                idle_since: Instant::now(),
            }),
            slots: Semaphore::new(max.min(Semaphore::MAX_PERMITS)),
            is_ended: AtomicBool::new(false),
            ended: Notify::new(),
            wake_reader: Notify::new(),
            response_timeout,
            keepalive,
            status,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue<T>> {
        // Nothing panics while holding it; a poisoned lock still holds a
        // consistent queue.
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn try_take_slot(&self) -> Slot {
        match self.slots.try_acquire() {
            Ok(permit) => {
                permit.forget();
                Slot::Taken
            }
            Err(TryAcquireError::NoPermits) => Slot::Full,
            Err(TryAcquireError::Closed) => Slot::Ended,
        }
    }

    /// Waits for a place; `false` once the link has ended.
    pub(super) async fn take_slot(&self) -> bool {
        match self.slots.acquire().await {
            Ok(permit) => {
                permit.forget();
                true
            }
            Err(_closed) => false,
        }
    }

    /// Gives back a place taken for a request that was not written.
    pub(super) fn release_slot(&self) {
        self.slots.add_permits(1);
    }

    /// Adds the responder of a request about to be written, sent at
    /// `sent_at`, behind the others; or gives it back if the link has ended
    /// (the request is then not written).
    pub(super) fn push<P: Respond<T>>(
        &self,
        responder: Option<P>,
        sent_at: Instant,
    ) -> Result<(), Option<P>> {
        let mut queue = self.lock();
        if queue.ended.is_some() {
            return Err(responder);
        }
        let waiter = responder.map(|responder| responder.wait_in(&mut queue.lanes));
        self.push_locked(&mut queue, waiter, sent_at);
        Ok(())
    }

    fn push_locked(&self, queue: &mut Queue<T>, responder: Option<Waiter<T>>, sent_at: Instant) {
        if queue.waiting.is_empty()
            && let Some(deadline) = self
                .response_timeout
                .and_then(|after| sent_at.checked_add(after))
            && queue.timer.is_none_or(|timer| timer > deadline)
        {
            // The reader's timer is not set, or set for later (the
            // keepalive): it must fire by this request's deadline. Woken
            // once; the requests behind this one have later deadlines.
            queue.timer = Some(deadline);
            self.wake_reader.notify_one();
        }
        queue.waiting.push_back(Waiting { responder, sent_at });
        self.status.set_in_flight(queue.waiting.len());
    }

    /// Answers the oldest requests with `responses`, in order, under one
    /// lock and one release of their places; `false` when a response is
    /// left that no request waits for.
    pub(super) fn answer(&self, responses: &mut Vec<T>, answered: &mut Answered<T>) -> bool {
        let count = responses.len();
        {
            let mut queue = self.lock();
            for response in responses.drain(..) {
                let Some(waiting) = queue.waiting.pop_front() else {
                    break;
                };
                answered.responses.push((waiting.responder, response));
            }
            queue.lanes.copy_new(&mut answered.lanes);
            self.status.set_in_flight(queue.waiting.len());
            if queue.waiting.is_empty()
                && let Some(interval) = self.keepalive
            {
                let now = Instant::now();
                queue.idle_since = now;
                // The reader's timer may be set for a deadline past the
                // next ping: it must fire for the ping.
                let ping_at = now.checked_add(interval);
                if ping_at.is_some() && queue.timer.is_none_or(|timer| Some(timer) > ping_at) {
                    queue.timer = ping_at;
                    self.wake_reader.notify_one();
                }
            }
        }
        let freed = answered.responses.len();
        let all = freed == count;
        // Outside the lock: a caller may run at once on another thread. A
        // caller that gave up is no error: its place was kept so that the
        // responses behind it still match.
        for (responder, response) in answered.responses.drain(..) {
            if let Some(responder) = responder {
                responder.answer(Ok(response), &answered.lanes);
            }
        }
        self.slots.add_permits(freed);
        all
    }

    /// The reader's timer fired (or must be set anew): what is due at `now`.
    /// Records when the timer fires next.
    pub(super) fn due(&self, now: Instant) -> Due {
        let mut queue = self.lock();
        if let Some(lost) = &queue.lost {
            return Due::WriteFailed(lost.clone());
        }
        let next = match queue.waiting.front() {
            Some(oldest) => match self.response_timeout {
                Some(timeout) => match oldest.sent_at.checked_add(timeout) {
                    Some(deadline) if deadline <= now => return Due::Unresponsive(timeout),
                    deadline => deadline,
                },
                None => None,
            },
            None => match self.keepalive {
                Some(interval) => match queue.idle_since.checked_add(interval) {
                    Some(at) if at <= now => return Due::Ping,
                    at => at,
                },
                None => None,
            },
        };
        queue.timer = next;
        Due::Wait(next)
    }

    /// Adds a ping nobody waits for if nothing is in flight (so that its
    /// response cannot be taken for another's); whether it was added. The
    /// caller holds the writer: nothing else is written before the ping.
    pub(super) fn push_ping(&self, now: Instant) -> bool {
        let mut queue = self.lock();
        let idle = queue.ended.is_none() && queue.waiting.is_empty();
        if idle {
            self.push_locked(&mut queue, None, now);
        }
        idle
    }

    /// Something was written just now: the keepalive counts from here.
    pub(super) fn touch(&self, now: Instant) {
        self.lock().idle_since = now;
    }

    /// Runs `io` (a write) for at most the response timeout; `None` if it
    /// took longer.
    pub(super) async fn within_response_timeout<O>(
        &self,
        io: impl Future<Output = O>,
    ) -> Option<O> {
        match self.response_timeout {
            Some(timeout) => tokio::time::timeout(timeout, io).await.ok(),
            None => Some(io.await),
        }
    }

    /// The error of a link that did not answer (or take a write) in time.
    pub(super) fn unresponsive(&self) -> LinkError {
        LinkError::Unresponsive {
            timeout: self.response_timeout.unwrap_or(Duration::MAX),
        }
    }

    /// Resolves when the reader must look again: at its timer, a failed
    /// write, or the link's end.
    pub(super) fn reader_woken(&self) -> tokio::sync::futures::Notified<'_> {
        self.wake_reader.notified()
    }

    /// The reader found the link lost with `error`: the reason the link
    /// will end with (unless it ended already; that reason is returned).
    pub(super) fn lost(&self, error: LinkError) -> LinkError {
        let mut queue = self.lock();
        if let Some(ended) = &queue.ended {
            return ended.clone();
        }
        queue.lost.get_or_insert(error).clone()
    }

    /// A write failed with `error`: recorded as the link's loss, and the
    /// reader woken to report it (requests still join the link meanwhile,
    /// as in flight, and get this error when it ends).
    pub(super) fn write_failed(&self, error: LinkError) {
        self.lost(error);
        self.wake_reader.notify_one();
    }

    /// The link has ended: every request waiting, and every one added
    /// later, gets `error` (or the reason the reader recorded); a writer
    /// waiting for a place and the reader are woken. Only the first reason
    /// counts.
    pub(super) fn end(&self, error: LinkError) {
        let mut lanes = LaneCopies::new();
        let (waiting, error) = {
            let mut queue = self.lock();
            if queue.ended.is_some() {
                return;
            }
            let error = queue.lost.take().unwrap_or(error);
            queue.ended = Some(error.clone());
            self.status.set_in_flight(0);
            // A detach is the connection's own doing, not why it is down.
            if !matches!(error, LinkError::Detached) {
                self.status.record_failure(Arc::new(error.clone()));
            }
            queue.lanes.copy_new(&mut lanes);
            (std::mem::take(&mut queue.waiting), error)
        };
        self.slots.close();
        self.is_ended.store(true, Ordering::Release);
        self.ended.notify_waiters();
        self.wake_reader.notify_one();
        let responders = waiting.into_iter().filter_map(|waiting| waiting.responder);
        if is_dropping_as_stopped() {
            // The connection is stopping: dropped, each responder tells its
            // caller the stop's reason, which says more than a lost link.
            responders.for_each(|responder| responder.drop_at_end(&lanes));
            return;
        }
        for responder in responders {
            responder.fail_at_end(error.clone(), &lanes);
        }
    }

    /// Whether the link has ended.
    pub(super) fn is_ended(&self) -> bool {
        self.is_ended.load(Ordering::Acquire)
    }

    /// Why the link ended; `Detached` if it has not (yet) recorded one.
    pub(super) fn ended_with(&self) -> LinkError {
        self.lock().ended.clone().unwrap_or(LinkError::Detached)
    }

    /// Resolves once the link has been ended by [`end`](Self::end).
    pub(super) async fn until_ended(&self) {
        loop {
            let mut notified = pin!(self.ended.notified());
            notified.as_mut().enable();
            if self.is_ended() {
                return;
            }
            notified.await;
        }
    }

    pub(super) fn len(&self) -> usize {
        self.lock().waiting.len()
    }
}
