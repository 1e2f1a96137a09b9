//! The optional cap on the requests each member has in progress through the
//! pool ([`concurrency_per_member`](super::PoolBuilder::concurrency_per_member)):
//! past it, requests wait in the pool, first come first served, for a
//! member under its cap, as they would for a checkout.
//!
//! A pipelined member takes any number of requests at once; a backend
//! that runs them one after another (PostgreSQL) makes every request
//! queued behind a slow one wait for it. The cap bounds how many can be
//! behind one, and the pool's queue is fair where members' queues are not.
//!
//! How it counts: one pool-wide slot per request in progress (tokio's fair
//! semaphore, `per_member` slots for each member), so the waiting is in
//! order and cancel-safe; and each member's own count, so a request goes
//! to a member under its cap. A request that got a slot but finds every
//! connected member at its cap (some are down or leased, whose slots stay
//! in the pool) waits for a member's count to drop: rare, so it is
//! signalled only while someone waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Mutex, MutexGuard, Notify, Semaphore, TryAcquireError};
use tokio::time::Instant;

/// The cap, shared by a pool and each of its members.
pub(super) struct Limit {
    /// Requests each member may have in progress through the pool.
    pub(super) per_member: usize,
    /// `per_member` slots for each member; a request holds one while in
    /// progress. Closed when the pool stops.
    slots: Semaphore,
    /// Slots to drop rather than give back, after members left the pool
    /// while their requests held them.
    owed: AtomicUsize,
    /// Requests holding a slot and waiting for a member under its cap.
    stalled: AtomicUsize,
    /// Held by the first of them: they take a member in the order they
    /// came (tokio's mutex is fair).
    first_stalled: Mutex<()>,
    /// Requests waiting for a slot (for [`PoolStats`](super::PoolStats)).
    pub(super) waiting: AtomicUsize,
    /// The pool's signal that a member changed (connected, given back):
    /// also raised when a member's count drops while a request is stalled.
    changed: Arc<Notify>,
}

/// Why no slot was had.
pub(super) enum NoSlot {
    /// Every slot stayed taken until the deadline (or there was none).
    Busy,
    /// The pool stopped.
    Stopped,
}

impl Limit {
    pub(super) fn new(per_member: usize, changed: Arc<Notify>) -> Self {
        Limit {
            per_member,
            slots: Semaphore::new(0),
            owed: AtomicUsize::new(0),
            stalled: AtomicUsize::new(0),
            first_stalled: Mutex::new(()),
            waiting: AtomicUsize::new(0),
            changed,
        }
    }

    /// Takes a slot, waiting in order until `deadline` (not at all for
    /// `None`). The slot is the caller's to [give back](Self::give_back).
    pub(super) async fn take(&self, deadline: Option<Instant>) -> Result<(), NoSlot> {
        match self.take_now() {
            Err(NoSlot::Busy) => {}
            taken => return taken,
        }
        let Some(deadline) = deadline else {
            return Err(NoSlot::Busy);
        };
        let waiting = super::Waiting::count(&self.waiting);
        let taken = tokio::time::timeout_at(deadline, self.slots.acquire()).await;
        drop(waiting);
        match taken {
            Ok(Ok(slot)) => {
                slot.forget();
                Ok(())
            }
            Ok(Err(_closed)) => Err(NoSlot::Stopped),
            Err(_elapsed) => Err(NoSlot::Busy),
        }
    }

    /// Takes a slot if one is free now. None is while requests wait for
    /// one: the semaphore hands a slot given back to the first of them.
    pub(super) fn take_now(&self) -> Result<(), NoSlot> {
        match self.slots.try_acquire() {
            Ok(slot) => {
                slot.forget();
                Ok(())
            }
            Err(TryAcquireError::Closed) => Err(NoSlot::Stopped),
            Err(TryAcquireError::NoPermits) => Err(NoSlot::Busy),
        }
    }

    /// Gives a slot back (or drops it, if members left meanwhile), and
    /// wakes stalled requests: a member's count has just dropped.
    pub(super) fn give_back(&self) {
        let owed = self
            .owed
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |owed| {
                owed.checked_sub(1)
            });
        if owed.is_err() {
            self.slots.add_permits(1);
        }
        // SeqCst, with the member's count and `stall`: either the stalled
        // request sees the count drop, or this sees it stalled.
        if self.stalled.load(Ordering::SeqCst) > 0 {
            self.changed.notify_waiters();
        }
    }

    /// A member takes requests (joined the pool, or its lease ended): its
    /// slots.
    pub(super) fn add_member(&self) {
        self.slots.add_permits(self.per_member);
    }

    /// A member takes no more requests (left the pool, or is leased): its
    /// slots go, now or as the requests holding them end.
    pub(super) fn remove_member(&self) {
        let forgotten = self.slots.forget_permits(self.per_member);
        self.owed
            .fetch_add(self.per_member - forgotten, Ordering::AcqRel);
    }

    /// Whether requests wait for a member under its cap: a request that
    /// gets a slot then waits behind them rather than pass them.
    pub(super) fn has_stalled(&self) -> bool {
        self.stalled.load(Ordering::SeqCst) > 0
    }

    /// Fails every request waiting for a slot, and every later one.
    pub(super) fn close(&self) {
        self.slots.close();
    }

    /// Waits (until `deadline`, if any) to be the first of the stalled
    /// requests: the one whose turn it is to take a member.
    pub(super) async fn first_stalled(
        &self,
        deadline: Option<Instant>,
    ) -> Option<MutexGuard<'_, ()>> {
        match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, self.first_stalled.lock())
                .await
                .ok(),
            None => self.first_stalled.try_lock().ok(),
        }
    }

    /// Counts a request that holds a slot and waits for a member under its
    /// cap, until the guard is dropped.
    pub(super) fn stall(&self) -> Stalled<'_> {
        self.stalled.fetch_add(1, Ordering::SeqCst);
        Stalled(self)
    }
}

/// A request counted as stalled; see [`Limit::stall`].
pub(super) struct Stalled<'a>(&'a Limit);

impl Drop for Stalled<'_> {
    fn drop(&mut self) {
        self.0.stalled.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A member's own count of the requests in progress on it through the
/// pool.
#[derive(Default)]
pub(super) struct InProgress(AtomicUsize);

impl InProgress {
    /// Whether another request fits under `cap`.
    pub(super) fn is_under(&self, cap: usize) -> bool {
        self.0.load(Ordering::SeqCst) < cap
    }

    /// Counts one more request, if it fits under `cap`.
    pub(super) fn try_add(&self, cap: usize) -> bool {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |count| {
                (count < cap).then_some(count + 1)
            })
            .is_ok()
    }

    /// Counts one more request, whatever the count.
    pub(super) fn add(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    pub(super) fn remove(&self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }

    pub(super) fn get(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }
}
