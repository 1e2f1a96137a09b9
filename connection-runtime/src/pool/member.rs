//! One connection of a pool, how the pool chooses among them, and the task
//! that tells the pool when one goes up or down.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::limit::{InProgress, Limit};
use crate::backoff::SplitMix64;
use crate::client::Client;
use crate::connection::Connection;
use crate::error::Stop;
use crate::status::{LinkFailure, Status};

/// A started, supervised connection of the pool.
pub(super) struct Member<C: Connection> {
    /// For stats and trace events; never reused within a pool.
    pub(super) id: usize,
    pub(super) client: C::Client,
    /// Out of rotation: a lease holds it.
    leased: AtomicBool,
    /// Removed from the pool (by `resize` or `stop`) while leased: stopped
    /// when the lease returns it.
    retired: AtomicBool,
    /// The pool's cap on requests in progress per member, if it has one.
    limit: Option<Arc<Limit>>,
    /// Requests in progress on it through the pool, under `limit`.
    in_progress: InProgress,
    /// Whether its slots are in the pool's `limit`: while it is in the
    /// pool and not leased.
    has_slots: AtomicBool,
}

impl<C: Connection> Member<C>
where
    C::Client: AsRef<Client<C>>,
{
    pub(super) fn new(id: usize, client: C::Client, limit: Option<Arc<Limit>>) -> Self {
        Member {
            id,
            client,
            leased: AtomicBool::new(false),
            retired: AtomicBool::new(false),
            limit,
            in_progress: InProgress::default(),
            has_slots: AtomicBool::new(false),
        }
    }

    pub(super) fn generic(&self) -> &Client<C> {
        self.client.as_ref()
    }

    pub(super) fn status(&self) -> &Arc<Status> {
        self.generic().status()
    }

    pub(super) fn is_connected(&self) -> bool {
        self.status().is_connected()
    }

    pub(super) fn load(&self) -> usize {
        self.generic().load()
    }

    pub(super) fn is_leased(&self) -> bool {
        self.leased.load(Ordering::Acquire)
    }

    /// Whether a request may be routed here: connected, and not leased.
    pub(super) fn takes_requests(&self) -> bool {
        !self.is_leased() && self.is_connected()
    }

    /// Requests in progress on it through a pool with a cap.
    pub(super) fn in_progress(&self) -> usize {
        self.in_progress.get()
    }

    /// Counts a request routed here, in a pool without a cap (with one,
    /// `choose_within` counts it).
    pub(super) fn start_request(&self) {
        self.in_progress.add();
    }

    /// Ends a request counted by [`start_request`](Self::start_request).
    pub(super) fn end_routed_request(&self) {
        self.in_progress.remove();
    }

    /// Ends a request counted under the pool's cap: the member's count
    /// drops and the request's slot goes back to the pool.
    pub(super) fn end_request(&self) {
        if let Some(limit) = &self.limit {
            self.in_progress.remove();
            limit.give_back();
        }
    }

    /// Takes the member out of rotation for a lease; `false` if another
    /// lease got it first.
    pub(super) fn try_lease(&self) -> bool {
        self.leased
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Puts a leased member back in rotation.
    pub(super) fn end_lease(&self) {
        self.leased.store(false, Ordering::Release);
    }

    /// Marks it removed from the pool (it takes no more requests).
    pub(super) fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
        self.withdraw_slots();
    }

    /// Adds its slots to the pool's cap, unless they are there.
    pub(super) fn offer_slots(&self) {
        if let Some(limit) = &self.limit
            && !self.has_slots.swap(true, Ordering::SeqCst)
        {
            limit.add_member();
        }
    }

    /// Takes its slots out of the pool's cap, if they are there.
    pub(super) fn withdraw_slots(&self) {
        if let Some(limit) = &self.limit
            && self.has_slots.swap(false, Ordering::SeqCst)
        {
            limit.remove_member();
        }
    }

    pub(super) fn is_retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }

    /// Lets the member answer what it holds (its mailbox and its pipeline,
    /// and the requests chosen for it whose [`Chosen`](super::Chosen) is
    /// still alive, for at most `within`: nothing new is routed to it by
    /// now), then stops it and waits for `terminate`.
    pub(super) async fn drain_and_stop(&self, within: Duration) {
        let deadline = Instant::now() + within;
        // Polled rather than signalled: a signal would cost every request,
        // and draining is rare.
        while (self.load() > 0 || self.in_progress() > 0)
            && self.generic().is_alive()
            && Instant::now() < deadline
        {
            tokio::time::sleep(DRAIN_POLL).await;
        }
        let _ = self.generic().stop(Stop::Normal).await;
    }
}

/// How often a draining member's load is looked at.
const DRAIN_POLL: Duration = Duration::from_millis(1);

/// Up to this many members, a request goes to the least loaded of all of
/// them: reading every member's load costs about what drawing two does,
/// and with few members two drawn at random are often both busy (with 4
/// members of which 3 are stuck behind a slow query, both are 56 % of the
/// time). Past it, the power of two choices.
const SCAN_ALL_UP_TO: usize = 8;

/// The member a request goes to, among those that take requests: the least
/// loaded (of all of them in a small pool, of two drawn at random in a
/// larger one), ties going to a random one; when neither drawn member
/// takes requests, the first that does after a random place, so that a
/// member that is up is always found while one is.
pub(super) fn choose<C: Connection>(members: &[Arc<Member<C>>]) -> Option<&Arc<Member<C>>>
where
    C::Client: AsRef<Client<C>>,
{
    choose_among(members, Member::takes_requests)
}

/// For a pool with a cap of `cap` requests in progress per member: as
/// [`choose`], among the members under their cap, and counted on the one
/// chosen (the caller holds a slot of the pool's).
pub(super) fn choose_within<C: Connection>(
    members: &[Arc<Member<C>>],
    cap: usize,
) -> Option<&Arc<Member<C>>>
where
    C::Client: AsRef<Client<C>>,
{
    loop {
        let member = choose_among(members, |member| {
            member.takes_requests() && member.in_progress.is_under(cap)
        })?;
        // Another request may have filled it since: choose again.
        if member.in_progress.try_add(cap) {
            return Some(member);
        }
    }
}

fn choose_among<C: Connection>(
    members: &[Arc<Member<C>>],
    takes_requests: impl Fn(&Member<C>) -> bool,
) -> Option<&Arc<Member<C>>>
where
    C::Client: AsRef<Client<C>>,
{
    let count = members.len();
    if count <= 1 {
        return members.first().filter(|member| takes_requests(member));
    }
    let draw = random();
    let first = (draw % count as u64) as usize;
    if count <= SCAN_ALL_UP_TO {
        return (0..count)
            .map(|offset| &members[(first + offset) % count])
            .filter(|member| takes_requests(member))
            .min_by_key(|member| member.load());
    }
    // Two distinct places: the second is the first moved on by 1..count.
    let second = (first + 1 + ((draw >> 32) % (count as u64 - 1)) as usize) % count;
    let (a, b) = (&members[first], &members[second]);
    match (takes_requests(a), takes_requests(b)) {
        (true, true) => Some(if b.load() < a.load() { b } else { a }),
        (true, false) => Some(a),
        (false, true) => Some(b),
        (false, false) => (0..count)
            .map(|offset| &members[(first + offset) % count])
            .find(|member| takes_requests(member)),
    }
}

/// For a lease: the least loaded member that is connected and not leased,
/// taken out of rotation.
pub(super) fn lease_one<C: Connection>(members: &[Arc<Member<C>>]) -> Option<&Arc<Member<C>>>
where
    C::Client: AsRef<Client<C>>,
{
    let mut free: Vec<&Arc<Member<C>>> = members
        .iter()
        .filter(|member| member.takes_requests())
        .collect();
    free.sort_by_key(|member| member.load());
    let leased = free.into_iter().find(|member| member.try_lease())?;
    leased.withdraw_slots();
    Some(leased)
}

/// The most recent failure among the members that are down: why they stay
/// down (a refused reconnect) rather than how one went down a while ago (a
/// lost link), when both were recorded. A failure recorded with a time goes
/// before an ended incarnation's reason; of equals, the first member's.
pub(super) fn last_failure<C: Connection>(members: &[Arc<Member<C>>]) -> Option<LinkFailure>
where
    C::Client: AsRef<Client<C>>,
{
    members
        .iter()
        .filter(|member| !member.is_connected())
        .filter_map(|member| member.status().last_failure_and_when())
        .reduce(|latest, next| if next.0 > latest.0 { next } else { latest })
        .map(|(_, failure)| failure)
}

pub(super) fn random() -> u64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(SplitMix64::from_entropy().0);
    }
    STATE.with(|state| {
        let mut generator = SplitMix64(state.get());
        let drawn = generator.next_u64();
        state.set(generator.0);
        drawn
    })
}

/// Follows one member's status for the pool: wakes whoever waits for a
/// member (a call, a lease) when it connects or stops, and traces each
/// change. Holds the status only, so it keeps nothing alive; it ends when
/// the member stops for good, with the reason and whether it was ever
/// connected.
pub(super) async fn watch(id: usize, status: Arc<Status>, changed: Arc<Notify>) -> (Stop, bool) {
    let mut connected = false;
    loop {
        if let Err(reason) = status.until_connected().await {
            tracing::debug!(member = id, %reason, "pool member stopped");
            changed.notify_waiters();
            return (reason, connected);
        }
        connected = true;
        tracing::debug!(member = id, "pool member connected");
        changed.notify_waiters();
        if let Err(reason) = status.until_disconnected().await {
            tracing::debug!(member = id, %reason, "pool member stopped");
            changed.notify_waiters();
            return (reason, connected);
        }
        let failure = status.last_failure().map(|failure| failure.to_string());
        tracing::warn!(
            member = id,
            failure = failure.as_deref(),
            "pool member disconnected"
        );
        changed.notify_waiters();
    }
}
