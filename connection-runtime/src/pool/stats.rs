//! A snapshot of a pool, for metrics and for deciding to resize.

/// What [`Pool::stats`](super::Pool::stats) reports: each number a snapshot
/// that may change at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Members in the pool (started, not removed).
    pub members: usize,
    /// Members connected now.
    pub connected: usize,
    /// Members held by a [`Lease`](super::Lease).
    pub leased: usize,
    /// [`lease`](super::Pool::lease) calls waiting for a member.
    pub waiting_leases: usize,
    /// Requests waiting for a member under its
    /// [cap](super::PoolBuilder::concurrency_per_member) (0 without one).
    pub waiting_requests: usize,
    /// Each member, in the pool's order.
    pub each: Vec<MemberStats>,
}

/// One member of a [`PoolStats`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemberStats {
    /// The member's number in its pool, never reused.
    pub id: usize,
    /// Whether it is connected.
    pub connected: bool,
    /// Whether a lease holds it.
    pub leased: bool,
    /// Whether it still runs: a member past its restart policy's limit has
    /// stopped for good.
    pub alive: bool,
    /// Every request it holds ([`Client::load`](crate::Client::load)):
    /// what the pool balances on.
    pub load: usize,
    /// Of those, the requests waiting in its mailbox
    /// ([`Client::queued`](crate::Client::queued)).
    pub queued: usize,
    /// Of those, the requests written (or buffered) on its link and not
    /// answered yet, for a member with a [pipeline](crate::pipeline).
    pub in_flight: usize,
    /// Requests in progress on it through the pool (chosen for it, their
    /// [`Chosen`](super::Chosen) alive), counted against its
    /// [cap](super::PoolBuilder::concurrency_per_member) if it has one.
    pub in_progress: usize,
    /// How many of its incarnations have ended (crashed and restarted).
    pub restarts: u64,
}
