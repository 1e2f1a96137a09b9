//! The requests of one link that were written (or buffered to be) and not
//! answered yet, shared by the connection (which adds them in write order)
//! and the link's reader (which answers them in the same order).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::{Notify, Semaphore, TryAcquireError};

use super::LinkError;
use crate::ReplyTo;
use crate::reply::is_dropping_as_stopped;

/// Who waits for a response.
pub(super) type Responder<T> = ReplyTo<Result<T, LinkError>>;

pub(super) struct InFlight<T> {
    queue: Mutex<Queue<T>>,
    /// Free places for requests in flight; closed when the link ends, so
    /// that a writer waiting for a place learns of it.
    slots: Semaphore,
    /// Wakes the reader when the link ended on the writer's side.
    ended: Notify,
}

struct Queue<T> {
    /// Oldest first: the order the requests were written in. `None` for a
    /// request nobody waits for (its response is read and dropped).
    waiting: VecDeque<Option<Responder<T>>>,
    /// Why the link ended, once it has.
    ended: Option<LinkError>,
}

/// A place for one more request in flight, or why there is none to wait for.
pub(super) enum Slot {
    Taken,
    Full,
    Ended(LinkError),
}

impl<T> InFlight<T> {
    pub(super) fn new(max: usize) -> Self {
        InFlight {
            queue: Mutex::new(Queue {
                waiting: VecDeque::new(),
                ended: None,
            }),
            slots: Semaphore::new(max.min(Semaphore::MAX_PERMITS)),
            ended: Notify::new(),
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
            Err(TryAcquireError::Closed) => Slot::Ended(self.ended_with()),
        }
    }

    /// Waits for a place; fails once the link has ended.
    pub(super) async fn take_slot(&self) -> Result<(), LinkError> {
        match self.slots.acquire().await {
            Ok(permit) => {
                permit.forget();
                Ok(())
            }
            Err(_closed) => Err(self.ended_with()),
        }
    }

    /// Gives back a place taken for a request that was not written.
    pub(super) fn release_slot(&self) {
        self.slots.add_permits(1);
    }

    /// Adds the responder of a request just written, behind the others; or
    /// gives it back with the reason if the link has ended.
    pub(super) fn push(
        &self,
        responder: Option<Responder<T>>,
    ) -> Result<(), (Option<Responder<T>>, LinkError)> {
        let mut queue = self.lock();
        if let Some(error) = &queue.ended {
            return Err((responder, error.clone()));
        }
        queue.waiting.push_back(responder);
        Ok(())
    }

    /// Answers the oldest requests with `responses`, in order, under one
    /// lock and one release of their places; `false` when a response is
    /// left that no request waits for.
    pub(super) fn answer(&self, responses: &mut Vec<T>) -> bool {
        let count = responses.len();
        let mut answered = Vec::with_capacity(count);
        {
            let mut queue = self.lock();
            for response in responses.drain(..) {
                let Some(responder) = queue.waiting.pop_front() else {
                    break;
                };
                answered.push((responder, response));
            }
        }
        let all = answered.len() == count;
        let freed = answered.len();
        // Outside the lock: a caller may run at once on another thread. A
        // caller that gave up is no error: its place was kept so that the
        // responses behind it still match.
        for (responder, response) in answered {
            if let Some(responder) = responder {
                let _ = responder.send(Ok(response));
            }
        }
        self.slots.add_permits(freed);
        all
    }

    /// The link has ended: every request waiting, and every one added
    /// later, gets `error`; a writer waiting for a place and the reader are
    /// woken. Only the first reason counts.
    pub(super) fn end(&self, error: LinkError) {
        let waiting = {
            let mut queue = self.lock();
            if queue.ended.is_some() {
                return;
            }
            queue.ended = Some(error.clone());
            std::mem::take(&mut queue.waiting)
        };
        self.slots.close();
        self.ended.notify_one();
        if is_dropping_as_stopped() {
            // The connection is stopping: dropped, each responder tells its
            // caller the stop's reason, which says more than a lost link.
            drop(waiting);
            return;
        }
        for responder in waiting.into_iter().flatten() {
            let _ = responder.send(Err(error.clone()));
        }
    }

    /// Why the link ended; `Detached` if it has not (yet) recorded one.
    pub(super) fn ended_with(&self) -> LinkError {
        self.lock().ended.clone().unwrap_or(LinkError::Detached)
    }

    /// Resolves once the link has been ended by [`end`](Self::end).
    pub(super) async fn until_ended(&self) {
        self.ended.notified().await;
    }

    pub(super) fn len(&self) -> usize {
        self.lock().waiting.len()
    }
}
