//! Many connections behind one handle: each request goes to a connected
//! member chosen by its load, and [`Pool::lease`] gives one member to a
//! caller alone.
//!
//! A [`Pool`] starts `size` members of one `#[connection]` type from a
//! factory, each [supervised](crate::supervise) (restarted after a crash
//! under the pool's [`RestartPolicy`]) and reconnecting on its own with its
//! backoff. A member that stops for good (past the policy's limit of
//! restarts: a wrong password, a database that is gone) is replaced in its
//! place after the policy's backoff, the delays going on while each
//! replacement fails in turn, so that the pool comes back once the server
//! lets it in. Nothing is checked out for a request: [`Pool::client`] gives
//! the generated client of the least loaded member among those connected
//! and not leased: of all of them in a pool of up to 8, of two drawn at
//! random in a larger one (the power of two choices). The load is
//! [`Client::load`](crate::Client::load): the requests in its mailbox,
//! being handled, and in flight on its link, read from atomics. A member that is down is
//! never chosen while another is up, and nothing is sent to find out: each
//! member's own task sees its link fail.
//!
//! With a [cap per member](PoolBuilder::concurrency_per_member), at most
//! that many requests are in progress on each member; the rest wait in the
//! pool, first come first served, as for a checkout: for members that
//! pipeline onto a backend running one statement at a time, it bounds how
//! many requests can wait behind a slow one.
//!
//! With a [lifetime](PoolBuilder::max_lifetime), each member is renewed
//! after about that long: a new member takes its place once connected, and
//! the old one answers what it holds, then stops.
//!
//! [`PoolMap`] keeps one pool per key (a cluster's nodes, a shard, a
//! tenant's database), each started the first time its key is asked for.
//!
//! When no member is connected, a request waits for one up to the pool's
//! [wait](PoolBuilder::wait) (or fails at once, [`fail_fast`](PoolBuilder::fail_fast)),
//! and the error says why the members went down
//! ([`PoolError::NoneConnected`], with the last
//! [failure](crate::Context::record_failure) a member recorded).
//!
//! ```
//! use connection::pool::Pool;
//! use connection::{connection, Attempt, Connect, Disconnect};
//!
//! struct Echo;
//!
//! #[connection]
//! impl Echo {
//!     #[connect]
//!     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
//!         Connect::Ok
//!     }
//!
//!     #[disconnect]
//!     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
//!         Disconnect::Connect(())
//!     }
//!
//!     #[call]
//!     async fn echo(&mut self, text: String) -> String {
//!         text
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let pool = Pool::builder(4, || Echo).start().await?;
//! // A request: a member's own client, every generated method unchanged.
//! assert_eq!(pool.client().await?.echo("hi".into()).await?, "hi");
//! // A member for this caller alone (a transaction, a blocking command).
//! let lease = pool.lease().await?;
//! assert_eq!(lease.echo("mine".into()).await?, "mine");
//! drop(lease);
//! pool.resize(2).await?;
//! assert_eq!(pool.stats().members, 2);
//! pool.stop().await;
//! # Ok(())
//! # }
//! ```
//!
//! # A pool, a lease, or one connection
//!
//! - One pipelined connection ([`pipeline`](crate::pipeline)) carries many
//!   callers' requests at once: for Redis-like protocols, it is often all
//!   a service needs; a pool of a few spreads the encoding and the socket
//!   work over more tasks (and cores).
//! - A pool is for a protocol that serves one request at a time per
//!   connection (PostgreSQL runs a backend per connection), or for more
//!   load than one link takes.
//! - A lease is for what must run on one link with nothing else between:
//!   a transaction, `WATCH`/`MULTI`, a blocking pop, a subscription.

mod error;
mod lease;
mod lifetime;
mod limit;
mod map;
mod member;
mod stats;

use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;

use tokio::sync::{Mutex, Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use self::error::PoolError;
pub use self::lease::Lease;
use self::limit::{Limit, NoSlot};
pub use self::map::PoolMap;
use self::member::{Member, choose, choose_within, last_failure, lease_one, watch};
pub use self::stats::{MemberStats, PoolStats};
use crate::backoff::Backoff;
use crate::client::Client;
use crate::connection::Connection;
use crate::deadline::sleep_for;
use crate::error::{StartError, Stop};
use crate::restart::{Restart, RestartPolicy};
use crate::start::{Options, supervise};
use crate::status::LinkFailure;
use crate::types::ConnectionTypes;

/// Makes each member's connection value (on start, on a restart, on a
/// resize).
type Factory<C> = Arc<dyn Fn() -> C + Send + Sync>;
/// Runs on a leased member's client before the member is given back.
type ReturnHook<C> = Arc<
    dyn Fn(<C as ConnectionTypes>::Client) -> Pin<Box<dyn Future<Output = ()> + Send>>
        + Send
        + Sync,
>;

/// A pool of connections of one type: see the [module docs](self).
///
/// Cloning is cheap (one handle to the same members). The members stop
/// once every handle is dropped (each after its last client, as any
/// connection) or at [`stop`](Pool::stop), which lets them answer what
/// they hold first.
pub struct Pool<C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    shared: Arc<Shared<C>>,
    /// The members when this handle was made: while no `resize` or `stop`
    /// has changed them since, a request is routed from here with no lock
    /// and no reference count (nothing written to memory other handles
    /// read); after one, from the pool's current members.
    members: Arc<Members<C>>,
}

/// The pool's members, as one `resize` (or `start`, or `stop`) left them.
struct Members<C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    generation: u64,
    list: Vec<Arc<Member<C>>>,
}

/// What every handle of a pool shares.
struct Shared<C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    /// The current members, replaced (never changed in place) by `resize`
    /// and `stop`; read by a request only through a handle made before the
    /// last change.
    members: RwLock<Arc<Members<C>>>,
    /// The current members' `generation`.
    generation: AtomicU64,
    factory: Factory<C>,
    options: Options,
    restart: RestartPolicy,
    /// How long a request waits for a connected member; `None`: not at all.
    wait: Option<Duration>,
    lease_timeout: Duration,
    /// A lease that waited longer is traced.
    slow_lease: Duration,
    on_return: Option<ReturnHook<C>>,
    /// Wakes whoever waits for a member: one connected, stopped, given back.
    changed: Arc<Notify>,
    stopped: AtomicBool,
    /// One place per member: leases wait here in order (tokio's semaphore
    /// is fair, and gives a cancelled waiter's place to the next).
    leases: Arc<Semaphore>,
    /// Places still held by leases when the pool shrank: dropped, not given
    /// back, when those leases end.
    leases_owed: AtomicUsize,
    waiting_leases: AtomicUsize,
    /// The cap on requests in progress per member, if the pool has one.
    limit: Option<Arc<Limit>>,
    /// How long a member serves before it is renewed, if it is.
    max_lifetime: Option<Duration>,
    next_id: AtomicUsize,
    /// One `resize` or `stop` at a time.
    resizing: Mutex<()>,
}

/// How to build a [`Pool`]: from [`Pool::builder`].
#[must_use = "a builder does nothing until `start`"]
pub struct PoolBuilder<C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    size: usize,
    factory: Factory<C>,
    min_connected: usize,
    options: Options,
    restart: RestartPolicy,
    wait: Option<Duration>,
    fail_fast: bool,
    lease_timeout: Option<Duration>,
    slow_lease: Duration,
    on_return: Option<ReturnHook<C>>,
    concurrency_per_member: Option<usize>,
    max_lifetime: Option<Duration>,
}

impl<C: Connection> Pool<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    /// A pool of `size` members, each made by `factory` (called again for
    /// each restart and each member a [`resize`](Self::resize) adds).
    pub fn builder(size: usize, factory: impl Fn() -> C + Send + Sync + 'static) -> PoolBuilder<C> {
        PoolBuilder {
            size,
            factory: Arc::new(factory),
            min_connected: 1,
            options: Options::default(),
            restart: RestartPolicy::new(Restart::Permanent),
            wait: None,
            fail_fast: false,
            lease_timeout: None,
            slow_lease: Duration::from_millis(50),
            on_return: None,
            concurrency_per_member: None,
            max_lifetime: None,
        }
    }

    /// The client of a member to send one request through: the least
    /// loaded among those connected and not leased (of all of them in a
    /// pool of up to 8, of two drawn at random in a larger one). Take one
    /// per request (or per burst of requests) and
    /// let it go: a client kept reaches its member even once the member is
    /// leased or down.
    ///
    /// In a pool with a [cap per member](PoolBuilder::concurrency_per_member),
    /// the request counts against its member's cap while the [`Chosen`]
    /// lives (to the end of the statement in
    /// `pool.client().await?.get(k).await`), and waits in the pool, in
    /// order, while every member is at its cap.
    ///
    /// # Errors
    ///
    /// [`PoolError::NoneConnected`] when no member was connected (and free)
    /// within the pool's wait, or at once for a pool that
    /// [fails fast](PoolBuilder::fail_fast); [`PoolError::Busy`] when every
    /// member stayed at its cap that long; [`PoolError::Stopped`] after
    /// [`stop`](Self::stop).
    pub async fn client(&self) -> Result<Chosen<'_, C>, PoolError> {
        match self.pick()? {
            Some(client) => Ok(client),
            // Boxed: rare, and it would make every request's future larger.
            None => Box::pin(self.wait_for_client()).await,
        }
    }

    async fn wait_for_client(&self) -> Result<Chosen<'_, C>, PoolError> {
        let started = Instant::now();
        let deadline = self.shared.wait.map(|wait| started + wait);
        if let Some(limit) = &self.shared.limit {
            return self.wait_within_limit(limit, started, deadline).await;
        }
        tracing::warn!("no pool member connected and free: waiting");
        self.wait_for(started, deadline, |members| {
            choose(members).map(|member| Chosen::new(Held::Owned(member.clone()), false))
        })
        .await
        .map_err(|unavailable| unavailable.into_error(PoolError::none_connected))
    }

    /// A request of a pool with a cap per member: waits in order for a
    /// slot, then for a member under its cap (at once, unless members
    /// are down), behind requests that waited for one before it.
    async fn wait_within_limit(
        &self,
        limit: &Limit,
        started: Instant,
        deadline: Option<Instant>,
    ) -> Result<Chosen<'_, C>, PoolError> {
        match limit.take(deadline).await {
            Ok(()) => {}
            Err(NoSlot::Stopped) => return Err(PoolError::Stopped),
            Err(NoSlot::Busy) => {
                return Err(PoolError::Busy {
                    waited: started.elapsed(),
                });
            }
        }
        // The slot goes back if this future is dropped or fails.
        let slot = SlotHeld(Some(limit));
        let within = |members: &[Arc<Member<C>>]| choose_within(members, limit.per_member).cloned();
        if !limit.has_stalled()
            && let Some(member) = within(&self.shared.members().list)
        {
            slot.keep();
            return Ok(Chosen::new(Held::Owned(member), true));
        }
        // Members are down (each traced as it went): not worth an event
        // per request.
        tracing::debug!("no pool member connected, free and under its cap: waiting");
        let _stalled = limit.stall();
        let found = match limit.first_stalled(deadline).await {
            Some(_first) => self.wait_for(started, deadline, within).await,
            None => Err(Unavailable::TimedOut {
                waited: started.elapsed(),
                cause: None,
            }),
        };
        match found {
            Ok(member) => {
                slot.keep();
                Ok(Chosen::new(Held::Owned(member), true))
            }
            Err(Unavailable::TimedOut { waited, .. }) => Err(self.shared.unavailable(waited)),
            Err(Unavailable::Stopped) => Err(PoolError::Stopped),
        }
    }

    /// As [`client`](Self::client), without waiting: a member connected and
    /// free now, or an error.
    ///
    /// # Errors
    ///
    /// [`PoolError::NoneConnected`] (with a zero wait) when none is;
    /// [`PoolError::Busy`] when every member is at its
    /// [cap](PoolBuilder::concurrency_per_member); [`PoolError::Stopped`]
    /// after [`stop`](Self::stop).
    pub fn try_client(&self) -> Result<Chosen<'_, C>, PoolError> {
        if let Some(chosen) = self.pick()? {
            return Ok(chosen);
        }
        Err(self.shared.unavailable(Duration::ZERO))
    }

    /// A member for a request now, if one is connected and free (and under
    /// its cap, with a slot of the pool's taken for it).
    fn pick(&self) -> Result<Option<Chosen<'_, C>>, PoolError> {
        if self.shared.stopped.load(Ordering::Acquire) {
            return Err(PoolError::Stopped);
        }
        let Some(limit) = &self.shared.limit else {
            if self.is_current() {
                let chosen = choose(&self.members.list);
                return Ok(chosen.map(|member| Chosen::new(Held::Borrowed(member), false)));
            }
            let members = self.shared.members();
            let chosen = choose(&members.list);
            return Ok(chosen.map(|member| Chosen::new(Held::Owned(member.clone()), false)));
        };
        // Behind requests that wait for a member under its cap, or none
        // free: the slow path, in order.
        if limit.has_stalled() || limit.take_now().is_err() {
            return Ok(None);
        }
        let chosen = if self.is_current() {
            choose_within(&self.members.list, limit.per_member).map(Held::Borrowed)
        } else {
            choose_within(&self.shared.members().list, limit.per_member)
                .map(|member| Held::Owned(member.clone()))
        };
        match chosen {
            Some(member) => Ok(Some(Chosen::new(member, true))),
            None => {
                limit.give_back();
                Ok(None)
            }
        }
    }

    /// One member for the caller alone, out of the rotation until the
    /// [`Lease`] is dropped: the least loaded of those connected and not
    /// leased. Callers waiting for a lease are served in the order they
    /// came, each for at most the pool's [lease timeout](PoolBuilder::lease_timeout);
    /// a `lease()` dropped while it waits takes nothing with it.
    ///
    /// # Errors
    ///
    /// [`PoolError::LeaseTimeout`] when no member became free in time (with
    /// why the members are down, when that is why);
    /// [`PoolError::Stopped`] after [`stop`](Self::stop).
    pub async fn lease(&self) -> Result<Lease<C>, PoolError> {
        let shared = &self.shared;
        if shared.stopped.load(Ordering::Acquire) {
            return Err(PoolError::Stopped);
        }
        let started = Instant::now();
        let deadline = started + shared.lease_timeout;
        let _waiting = Waiting::count(&shared.waiting_leases);
        let place =
            match tokio::time::timeout_at(deadline, shared.leases.clone().acquire_owned()).await {
                Ok(Ok(place)) => place,
                Ok(Err(_closed)) => return Err(PoolError::Stopped),
                Err(_elapsed) => {
                    return Err(PoolError::LeaseTimeout {
                        waited: started.elapsed(),
                        cause: None,
                    });
                }
            };
        // A place is ours: now a member that is connected and free. Taking
        // it out of rotation and making the guard happen with no await
        // between, so a cancelled lease cannot keep a member.
        let member = self
            .wait_for(started, Some(deadline), |members| {
                lease_one(members).cloned()
            })
            .await
            .map_err(|unavailable| unavailable.into_error(PoolError::lease_timeout))?;
        let waited = started.elapsed();
        if waited > shared.slow_lease {
            tracing::warn!(member = member.id, ?waited, "slow pool lease");
        }
        Ok(Lease::new(member, shared.clone(), place))
    }

    /// Changes the number of members to `size`; members that stopped for
    /// good (past their restart policy's limit) are replaced at once, not
    /// after their backoff. New members are started
    /// (their `init` run) before this returns; they take requests once
    /// connected. A member removed takes no new request, answers what it
    /// holds (within the shutdown timeout), then stops; a leased one is
    /// removed first only if every member is leased, and stops when its
    /// lease ends.
    ///
    /// # Errors
    ///
    /// [`PoolError::Start`] when a new member's `init` failed (the members
    /// that started are kept); [`PoolError::Stopped`] after
    /// [`stop`](Self::stop).
    pub async fn resize(&self, size: usize) -> Result<(), PoolError> {
        let _one_at_a_time = self.shared.resizing.lock().await;
        if self.shared.stopped.load(Ordering::Acquire) {
            return Err(PoolError::Stopped);
        }
        // A member that stopped for good (past its restart policy's limit)
        // is replaced, not counted.
        let mut stopped = Vec::new();
        self.shared.replace_members(|members| {
            let (alive, dead): (Vec<_>, Vec<_>) = members
                .iter()
                .cloned()
                .partition(|member| member.generic().is_alive());
            stopped = dead;
            alive
        });
        for member in &stopped {
            member.retire();
        }
        if !stopped.is_empty() {
            tracing::info!(members = stopped.len(), "replacing stopped pool members");
            self.shared.forget_lease_places(stopped.len());
        }
        let current = self.shared.members().list.len();
        if size > current {
            self.grow(size - current).await
        } else {
            self.shrink(current - size).await;
            Ok(())
        }
    }

    /// Stops the pool: requests and leases asked for from now on fail with
    /// [`PoolError::Stopped`], waiting ones too; each member answers what it
    /// holds (within the shutdown timeout of its options), then stops.
    /// Returns once every member has stopped; a leased member is stopped
    /// too (its holder's requests then fail as with any stopped connection).
    pub async fn stop(&self) {
        let _one_at_a_time = self.shared.resizing.lock().await;
        if self.shared.stopped.swap(true, Ordering::AcqRel) {
            return;
        }
        self.shared.leases.close();
        if let Some(limit) = &self.shared.limit {
            limit.close();
        }
        self.shared.changed.notify_waiters();
        let members = self.shared.replace_members(|_| Vec::new());
        tracing::debug!(members = members.len(), "stopping the pool");
        self.shared.stop_all(members).await;
    }

    /// Whether [`stop`](Self::stop) was called.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.shared.stopped.load(Ordering::Acquire)
    }

    /// How many handles and leases of the pool exist (this one included):
    /// a [`PoolMap`] evicts an idle pool only when it holds the last.
    fn handles(&self) -> usize {
        Arc::strong_count(&self.shared)
    }

    /// A snapshot of the members: how many, connected, leased, and each
    /// one's load.
    #[must_use]
    pub fn stats(&self) -> PoolStats {
        let members = self.shared.members();
        let each: Vec<MemberStats> = members
            .list
            .iter()
            .map(|member| {
                let client = member.generic();
                MemberStats {
                    id: member.id,
                    connected: member.is_connected(),
                    leased: member.is_leased(),
                    alive: client.is_alive(),
                    load: client.load(),
                    queued: client.queued(),
                    in_flight: member.status().in_flight(),
                    in_progress: member.in_progress(),
                    restarts: member.status().ends(),
                }
            })
            .collect();
        PoolStats {
            members: each.len(),
            connected: each.iter().filter(|member| member.connected).count(),
            leased: each.iter().filter(|member| member.leased).count(),
            waiting_leases: self.shared.waiting_leases.load(Ordering::Acquire),
            waiting_requests: self
                .shared
                .limit
                .as_ref()
                .map_or(0, |limit| limit.waiting.load(Ordering::Acquire)),
            each,
        }
    }

    /// Whether this handle's members are the pool's current ones (no
    /// `resize` or `stop` since it was made).
    fn is_current(&self) -> bool {
        self.members.generation == self.shared.generation.load(Ordering::Acquire)
    }

    /// The members' [load](crate::Client::load), summed: every request
    /// the pool's members hold.
    #[must_use]
    pub fn load(&self) -> usize {
        let members = if self.is_current() {
            self.members.clone()
        } else {
            self.shared.members()
        };
        members.list.iter().map(|member| member.load()).sum()
    }

    /// Starts `count` members at once and adds those that started.
    async fn grow(&self, count: usize) -> Result<(), PoolError> {
        let mut starting = JoinSet::new();
        for _ in 0..count {
            let shared = self.shared.clone();
            starting.spawn(async move { shared.new_member().await });
        }
        let mut first_error = None;
        while let Some(started) = starting.join_next().await {
            let started = started.unwrap_or_else(|_panicked| {
                Err(StartError::Stopped(Stop::Panic(
                    "the pool's factory panicked".to_owned(),
                )))
            });
            match started {
                Ok(member) => {
                    self.shared.replace_members(|members| {
                        let mut grown = members.to_vec();
                        grown.push(member.clone());
                        grown
                    });
                    self.shared.leases.add_permits(1);
                    member.offer_slots();
                    // Once it is in the list: a member that stops for good
                    // before it is would not be replaced.
                    self.shared.follow(&member, None);
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        self.shared.changed.notify_waiters();
        first_error.map_or(Ok(()), |error| Err(PoolError::Start(error)))
    }

    /// Removes `count` members (free ones first, the newest first), lets
    /// each answer what it holds, and stops it.
    async fn shrink(&self, count: usize) {
        let mut removed = Vec::with_capacity(count);
        self.shared.replace_members(|members| {
            let mut kept = members.to_vec();
            for leased in [false, true] {
                let mut index = kept.len();
                while index > 0 && removed.len() < count {
                    index -= 1;
                    if kept[index].is_leased() == leased {
                        removed.push(kept.remove(index));
                    }
                }
            }
            kept
        });
        self.shared.forget_lease_places(removed.len());
        self.shared.stop_all(removed).await;
    }

    /// Waits until `find` finds something in the members, or `deadline`
    /// passes (at once for none), or the pool stops.
    async fn wait_for<T>(
        &self,
        started: Instant,
        deadline: Option<Instant>,
        mut find: impl FnMut(&[Arc<Member<C>>]) -> Option<T>,
    ) -> Result<T, Unavailable> {
        loop {
            // Registered before the look, so that a change between the two
            // is not missed.
            let changed = self.shared.changed.notified();
            let mut changed = pin!(changed);
            changed.as_mut().enable();
            if self.shared.stopped.load(Ordering::Acquire) {
                return Err(Unavailable::Stopped);
            }
            let all_stopped = {
                let members = self.shared.members();
                if let Some(found) = find(&members.list) {
                    return Ok(found);
                }
                // Every member stopped for good (a wrong password, past the
                // restart limit): no wait will help, and the cause says why.
                !members.list.is_empty()
                    && members
                        .list
                        .iter()
                        .all(|member| !member.generic().is_alive())
            };
            let in_time = match deadline {
                _ if all_stopped => false,
                Some(deadline) if Instant::now() < deadline => {
                    tokio::time::timeout_at(deadline, changed).await.is_ok()
                }
                _ => false,
            };
            if !in_time {
                // Read when giving up: members refused all along the wait
                // recorded failures newer than those seen before it.
                return Err(Unavailable::TimedOut {
                    waited: started.elapsed(),
                    cause: last_failure(&self.shared.members().list),
                });
            }
        }
    }
}

/// A member chosen for a request by [`Pool::client`]: derefs to its
/// generated client, so `pool.client().await?.get("k")` calls it.
/// Borrowed from the pool's handle (no reference count taken);
/// [`client`](Self::client) clones the client out, for a caller that keeps
/// it.
///
/// It is one request in progress on its member until dropped (requests
/// sent through a client cloned out of it are not counted): a member the
/// pool removes (a `resize`, a renewal after its
/// [lifetime](PoolBuilder::max_lifetime)) is stopped only once no `Chosen`
/// holds it (within the shutdown timeout), and in a pool with a
/// [cap per member](PoolBuilder::concurrency_per_member) it counts against
/// the cap.
pub struct Chosen<'pool, C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    member: Held<'pool, C>,
    /// What it counts in: the count drops with it.
    counted: Counted,
}

/// What a [`Chosen`] counts in while it lives.
#[derive(Default)]
enum Counted {
    /// Its member's requests in progress.
    Routed,
    /// Those, and a slot of the pool's cap.
    Slot,
    /// Nothing: moved into another `Chosen`.
    #[default]
    Moved,
}

/// A member borrowed from a handle's members, or, for a handle made before
/// the last `resize`, held from the current ones.
enum Held<'pool, C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    Borrowed(&'pool Arc<Member<C>>),
    Owned(Arc<Member<C>>),
}

impl<C: Connection> Chosen<'_, C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    /// `slot`: the request holds a slot of the pool's cap, and is counted
    /// on its member already (`choose_within`).
    fn new(member: Held<'_, C>, slot: bool) -> Chosen<'_, C> {
        let counted = if slot { Counted::Slot } else { Counted::Routed };
        let chosen = Chosen { member, counted };
        if !slot {
            chosen.member_ref().start_request();
        }
        chosen
    }

    fn member_ref(&self) -> &Arc<Member<C>> {
        match &self.member {
            Held::Borrowed(member) => member,
            Held::Owned(member) => member,
        }
    }

    /// The same choice, held apart from the pool's handle (for a service
    /// whose call outlives its `poll_ready`): still counted until dropped.
    #[cfg(feature = "tower")]
    pub(crate) fn into_owned(mut self) -> Chosen<'static, C> {
        let member = self.member_ref().clone();
        let counted = std::mem::take(&mut self.counted);
        Chosen {
            member: Held::Owned(member),
            counted,
        }
    }

    /// The member's client, to keep (it reaches that member even once the
    /// member is leased or down).
    #[must_use]
    pub fn client(&self) -> C::Client {
        self.member_ref().client.clone()
    }

    /// The member's number, as [`MemberStats::id`] gives it.
    #[must_use]
    pub fn member(&self) -> usize {
        self.member_ref().id
    }
}

impl<C: Connection> Drop for Chosen<'_, C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn drop(&mut self) {
        match std::mem::take(&mut self.counted) {
            Counted::Slot => self.member_ref().end_request(),
            Counted::Routed => self.member_ref().end_routed_request(),
            Counted::Moved => {}
        }
    }
}

impl<C: Connection> std::ops::Deref for Chosen<'_, C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    type Target = C::Client;

    fn deref(&self) -> &C::Client {
        &self.member_ref().client
    }
}

impl<C: Connection> fmt::Debug for Chosen<'_, C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Chosen").field(&self.member()).finish()
    }
}

/// Why [`Pool::wait_for`] found nothing.
enum Unavailable {
    Stopped,
    TimedOut {
        waited: Duration,
        cause: Option<LinkFailure>,
    },
}

impl Unavailable {
    fn into_error(self, timed_out: fn(Duration, Option<LinkFailure>) -> PoolError) -> PoolError {
        match self {
            Unavailable::Stopped => PoolError::Stopped,
            Unavailable::TimedOut { waited, cause } => timed_out(waited, cause),
        }
    }
}

impl PoolError {
    fn none_connected(waited: Duration, cause: Option<LinkFailure>) -> Self {
        PoolError::NoneConnected { waited, cause }
    }

    fn lease_timeout(waited: Duration, cause: Option<LinkFailure>) -> Self {
        PoolError::LeaseTimeout { waited, cause }
    }
}

/// A slot of the pool's cap, given back if dropped before [`keep`](Self::keep)
/// (the request waiting for a member timed out or was cancelled).
struct SlotHeld<'a>(Option<&'a Limit>);

impl SlotHeld<'_> {
    /// The slot now belongs to a [`Chosen`].
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for SlotHeld<'_> {
    fn drop(&mut self) {
        if let Some(limit) = self.0 {
            limit.give_back();
        }
    }
}

/// Counts a `lease()` waiting, for [`PoolStats::waiting_leases`], until it
/// returns or is dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn count(waiting: &'a AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::AcqRel);
        Waiting(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<C: Connection> Shared<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    /// Why a request found no member after `waited`: every connected one
    /// at its cap (a pool with one), or none connected, with why.
    fn unavailable(&self, waited: Duration) -> PoolError {
        let members = self.members();
        if self.limit.is_some() && members.list.iter().any(|m| m.takes_requests()) {
            return PoolError::Busy { waited };
        }
        PoolError::NoneConnected {
            waited,
            cause: last_failure(&members.list),
        }
    }

    /// The current members.
    fn members(&self) -> Arc<Members<C>> {
        // Nothing panics while holding it: a poisoned lock is still whole.
        self.members
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the members with `change(current)`, as a new generation;
    /// returns the members replaced.
    fn replace_members(
        &self,
        change: impl FnOnce(&[Arc<Member<C>>]) -> Vec<Arc<Member<C>>>,
    ) -> Vec<Arc<Member<C>>> {
        let mut members = self.members.write().unwrap_or_else(PoisonError::into_inner);
        let list = change(&members.list);
        let generation = members.generation + 1;
        let old = std::mem::replace(&mut *members, Arc::new(Members { generation, list }));
        self.generation.store(generation, Ordering::Release);
        old.list.clone()
    }

    /// Starts one member, supervised.
    async fn new_member(&self) -> Result<Arc<Member<C>>, StartError> {
        let factory = self.factory.clone();
        let client = supervise(
            move || factory(),
            self.restart.clone(),
            self.options.clone(),
        )
        .await?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let member = Arc::new(Member::new(id, client, self.limit.clone()));
        member.status().watch_load();
        Ok(member)
    }

    /// Follows `member`'s status ([`watch`]), once it is one of the
    /// members, and once it stops for good with a reason its restart policy
    /// restarts after (past the policy's limit: a wrong password, a
    /// database that is gone), [replaces](Self::replace) it: after the next
    /// of `delays` if it never connected (so that they go on from one
    /// replacement to the next), after the first of the policy's own if it
    /// did or is no replacement.
    fn follow(self: &Arc<Self>, member: &Arc<Member<C>>, delays: Option<Backoff>) {
        self.renew_in_time(member);
        let (id, status, changed) = (member.id, member.status().clone(), self.changed.clone());
        let (pool, policy) = (Arc::downgrade(self), self.restart.clone());
        tokio::spawn(async move {
            let (reason, connected) = watch(id, status, changed).await;
            if !policy.restarts_after(&reason) {
                return;
            }
            let delays = match delays {
                Some(delays) if !connected => delays,
                _ => policy.delays(),
            };
            Self::replace(pool, id, delays).await;
        });
    }

    /// Replaces member `id`, which stopped for good, in its place, after the
    /// next of `delays`, and again after the next one while a replacement
    /// fails to start. Ends when the pool stops or is dropped, when a
    /// [`resize`](Pool::resize) took the member out first, or when `delays`
    /// runs out.
    async fn replace(pool: Weak<Self>, id: usize, mut delays: Backoff) {
        let holding = |pool: &Weak<Self>| Self::holding(pool, id);
        loop {
            // Not even a wait for a member no longer the pool's.
            if holding(&pool).is_none() {
                return;
            }
            let Some(delay) = delays.next_delay() else {
                tracing::warn!(
                    member = id,
                    "pool member stopped for good, and its backoff policy ran out: not replaced"
                );
                return;
            };
            sleep_for(delay).await;
            let Some(shared) = holding(&pool) else { return };
            // Started outside the lock: `init` may take its timeout, and a
            // `stop` must not wait for it.
            let member = match shared.new_member().await {
                Ok(member) => member,
                Err(error) => {
                    tracing::warn!(member = id, %error, "pool member not replaced: its start failed");
                    continue;
                }
            };
            let _one_at_a_time = shared.resizing.lock().await;
            match shared.put_in_place(id, &member, Some(delays)) {
                Some(_stopped) => {
                    tracing::info!(member = id, by = member.id, "pool member replaced");
                }
                // A `stop` or a `resize` took the member out while the
                // replacement started.
                None => shared.stop_in_background(member),
            }
            return;
        }
    }

    /// Puts `member` in member `id`'s place, in rotation and followed
    /// (with `delays` for its replacement), if `id` is still in the pool
    /// (the caller holds `resizing`); returns the member it took the place
    /// of, retired (out of the pool, taking no more requests).
    fn put_in_place(
        self: &Arc<Self>,
        id: usize,
        member: &Arc<Member<C>>,
        delays: Option<Backoff>,
    ) -> Option<Arc<Member<C>>> {
        let mut replaced = None;
        self.replace_members(|members| {
            let mut list = members.to_vec();
            if let Some(place) = list.iter_mut().find(|old| old.id == id) {
                replaced = Some(std::mem::replace(place, member.clone()));
            }
            list
        });
        if let Some(old) = &replaced {
            old.retire();
            member.offer_slots();
            self.follow(member, delays);
            self.changed.notify_waiters();
        }
        replaced
    }

    /// The pool, while it is there (its members stop when it is dropped)
    /// and still has member `id` (a `stop` or a `resize` takes it out).
    fn holding(pool: &Weak<Self>, id: usize) -> Option<Arc<Self>> {
        pool.upgrade().filter(|shared| shared.has_member(id))
    }

    /// Whether member `id` is still in the pool.
    fn has_member(&self, id: usize) -> bool {
        self.members().list.iter().any(|member| member.id == id)
    }

    /// Lets each of `members` (out of the pool now) answer what it holds,
    /// then stops it, all at once; a leased one is stopped when its lease
    /// ends, unless the pool is stopping.
    async fn stop_all(&self, members: Vec<Arc<Member<C>>>) {
        let within = self.options.get_shutdown_timeout();
        let stopping = self.stopped.load(Ordering::Acquire);
        let mut stops = JoinSet::new();
        for member in members {
            member.retire();
            if member.is_leased() && !stopping {
                continue;
            }
            stops.spawn(async move { member.drain_and_stop(within).await });
        }
        while stops.join_next().await.is_some() {}
        self.changed.notify_waiters();
    }

    /// `count` members left: as many places for leases go (those held by
    /// leases when they end).
    fn forget_lease_places(&self, count: usize) {
        let forgotten = self.leases.forget_permits(count);
        self.leases_owed
            .fetch_add(count - forgotten, Ordering::AcqRel);
    }

    /// Stops a member given back after it was removed.
    fn stop_in_background(&self, member: Arc<Member<C>>) {
        let within = self.options.get_shutdown_timeout();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { member.drain_and_stop(within).await });
        }
        // Outside a runtime the member stops when its last client goes.
    }
}

impl<C: Connection> PoolBuilder<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    /// How many members must be connected before [`start`](Self::start)
    /// returns (1 by default; at most the size). 0 returns once every
    /// member's `init` has: members connect in the background.
    pub fn min_connected(mut self, members: usize) -> Self {
        self.min_connected = members;
        self
    }

    /// The options each member is started with (mailbox, call timeout,
    /// backoff, shutdown timeout).
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// How each member is restarted after it stops on its own (by default
    /// [`Restart::Permanent`], with the policy's default limit). Past the
    /// limit, the member is replaced by a new one from the factory after
    /// the policy's [backoff](RestartPolicy::backoff) (the next of its
    /// delays while replacements keep stopping before they connect; none
    /// once the delays run out); a stop the policy does not restart after
    /// (any, for [`Restart::Temporary`]) leaves the member stopped until a
    /// [`resize`](Pool::resize).
    pub fn restart(mut self, policy: RestartPolicy) -> Self {
        self.restart = policy;
        self
    }

    /// How long a request (and `start`, for
    /// [`min_connected`](Self::min_connected)) waits for a connected
    /// member; by default the members' call timeout.
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// Requests fail at once when no member is connected, rather than
    /// wait for one.
    pub fn fail_fast(mut self) -> Self {
        self.fail_fast = true;
        self
    }

    /// How long [`Pool::lease`] waits for a free, connected member; by
    /// default the members' call timeout.
    pub fn lease_timeout(mut self, timeout: Duration) -> Self {
        self.lease_timeout = Some(timeout);
        self
    }

    /// Caps the requests each member has in progress through the pool at
    /// `requests` (at least 1; no cap by default): past it, requests wait in
    /// the pool, first come first served, for a member under its cap (up to
    /// the pool's [wait](Self::wait), then [`PoolError::Busy`]).
    ///
    /// For members that pipeline onto a backend running one statement at a
    /// time (PostgreSQL): with no cap, every request routed to a member
    /// whose backend has started a slow statement waits for it; a cap of a
    /// few keeps the link busy while bounding how many can be behind one,
    /// and the pool's queue is fair where members' queues are not. A
    /// request counts while its [`Chosen`] lives.
    ///
    /// ```
    /// # use connection::pool::Pool;
    /// # use connection::{connection, Attempt, Connect, Disconnect};
    /// # struct Db;
    /// # #[connection]
    /// # impl Db {
    /// #     #[connect]
    /// #     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect { Connect::Ok }
    /// #     #[disconnect]
    /// #     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> { Disconnect::NoConnect }
    /// #     #[call]
    /// #     async fn get(&mut self, id: u32) -> u32 { id }
    /// # }
    /// # async fn run() -> Result<(), connection::pool::PoolError> {
    /// let pool = Pool::builder(4, || Db).concurrency_per_member(8).start().await?;
    /// // At most 8 of these on each member at once; the rest wait their turn.
    /// let id = pool.client().await?.get(7).await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn concurrency_per_member(mut self, requests: usize) -> Self {
        self.concurrency_per_member = Some(requests.max(1));
        self
    }

    /// Renews each member once it has served for about `lifetime` (at
    /// least a second; never by default): a new member is started, and once
    /// its link is up it takes the old one's place, and the old one answers
    /// what it holds, then stops. No request fails for it and the pool never
    /// has fewer members connected; a leased member serves its holder until
    /// the lease ends. Each member is renewed at a point drawn in the last
    /// eighth of its lifetime, so that members started together are not
    /// renewed together. While a renewal cannot connect (the server is
    /// down, a password was changed), the old member serves on. A request
    /// whose [`Chosen`] is alive when its member is renewed is answered by
    /// that member first; a client cloned out of the pool and kept
    /// ([`Chosen::client`]) reaches its member until the member stops, so
    /// take one per request.
    ///
    /// For sessions that grow on the server (caches, prepared statements),
    /// proxies and load balancers that cut long-lived links or send only new
    /// ones to a server added, and credentials that rotate: bb8 and sqlx
    /// renew after 30 minutes by default.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use connection::pool::Pool;
    /// # use connection::{connection, Attempt, Connect, Disconnect};
    /// # struct Db;
    /// # #[connection]
    /// # impl Db {
    /// #     #[connect]
    /// #     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect { Connect::Ok }
    /// #     #[disconnect]
    /// #     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> { Disconnect::NoConnect }
    /// # }
    /// # async fn run() -> Result<(), connection::pool::PoolError> {
    /// let pool = Pool::builder(4, || Db)
    ///     .max_lifetime(Duration::from_secs(30 * 60))
    ///     .start()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn max_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_lifetime = Some(lifetime.max(Duration::from_secs(1)));
        self
    }

    /// A lease that waits longer than this is traced (a `warn` event):
    /// a sign the pool is too small. 50 ms by default.
    pub fn slow_lease(mut self, threshold: Duration) -> Self {
        self.slow_lease = threshold;
        self
    }

    /// Runs `hook` on a leased member's client each time a lease ends,
    /// before the member takes requests again: a `ROLLBACK` for a
    /// transaction the holder left open, a `DISCARD`, an `UNWATCH`. If
    /// `hook` panics, the member stops (with [`Stop::Panic`]) and comes back
    /// restarted or replaced, as the [restart policy](Self::restart) says,
    /// on a new session: never handed out with what the hook was undoing.
    ///
    /// ```
    /// # use connection::pool::Pool;
    /// # use connection::{connection, Attempt, Connect, Disconnect};
    /// # struct Db;
    /// # #[connection]
    /// # impl Db {
    /// #     #[connect]
    /// #     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect { Connect::Ok }
    /// #     #[disconnect]
    /// #     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> { Disconnect::NoConnect }
    /// #     #[call]
    /// #     async fn execute(&mut self, _sql: &'static str) {}
    /// # }
    /// # async fn run() -> Result<(), connection::pool::PoolError> {
    /// let pool = Pool::builder(4, || Db)
    ///     .on_return(|db| async move {
    ///         let _ = db.execute("ROLLBACK").await;
    ///     })
    ///     .start()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_return<F>(mut self, hook: impl Fn(C::Client) -> F + Send + Sync + 'static) -> Self
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.on_return = Some(Arc::new(move |client| Box::pin(hook(client))));
        self
    }

    /// Starts every member (their `init` at once) and returns once
    /// [`min_connected`](Self::min_connected) of them are connected.
    ///
    /// # Errors
    ///
    /// [`PoolError::Start`] with the first member's `init` error;
    /// [`PoolError::NoneConnected`] when fewer than `min_connected` members
    /// connected within the [wait](Self::wait), with why. Either way the
    /// members that started are stopped.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn start(self) -> Result<Pool<C>, PoolError> {
        let call_timeout = self.options.get_call_timeout();
        let wait = self.wait.unwrap_or(call_timeout);
        let members = Arc::new(Members {
            generation: 0,
            list: Vec::new(),
        });
        let changed = Arc::new(Notify::new());
        let limit = self
            .concurrency_per_member
            .map(|per_member| Arc::new(Limit::new(per_member, changed.clone())));
        let mut pool = Pool {
            members: members.clone(),
            shared: Arc::new(Shared {
                members: RwLock::new(members),
                generation: AtomicU64::new(0),
                factory: self.factory,
                options: self.options,
                restart: self.restart,
                wait: (!self.fail_fast).then_some(wait),
                lease_timeout: self.lease_timeout.unwrap_or(call_timeout),
                slow_lease: self.slow_lease,
                on_return: self.on_return,
                changed,
                stopped: AtomicBool::new(false),
                leases: Arc::new(Semaphore::new(0)),
                leases_owed: AtomicUsize::new(0),
                waiting_leases: AtomicUsize::new(0),
                limit,
                max_lifetime: self.max_lifetime,
                next_id: AtomicUsize::new(0),
                resizing: Mutex::new(()),
            }),
        };
        let needed = self.min_connected.min(self.size);
        let started = Instant::now();
        let ready = match pool.grow(self.size).await {
            Ok(()) if needed == 0 => Ok(()),
            Ok(()) => pool
                .wait_for(started, Some(started + wait), |members| {
                    let connected = members.iter().filter(|member| member.is_connected());
                    (connected.count() >= needed).then_some(())
                })
                .await
                .map_err(|unavailable| unavailable.into_error(PoolError::none_connected)),
            Err(error) => Err(error),
        };
        match ready {
            Ok(()) => {
                // This handle, and those cloned from it, route from here.
                pool.members = pool.shared.members();
                Ok(pool)
            }
            Err(error) => {
                pool.stop().await;
                Err(error)
            }
        }
    }
}

impl<C: Connection> Clone for Pool<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn clone(&self) -> Self {
        Pool {
            shared: self.shared.clone(),
            members: self.shared.members(),
        }
    }
}

impl<C: Connection> fmt::Debug for Pool<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stats = self.stats();
        f.debug_struct("Pool")
            .field("type", &std::any::type_name::<C>())
            .field("members", &stats.members)
            .field("connected", &stats.connected)
            .field("leased", &stats.leased)
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

impl<C: Connection> fmt::Debug for PoolBuilder<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("size", &self.size)
            .field("min_connected", &self.min_connected)
            .field("options", &self.options)
            .field("restart", &self.restart)
            .field("wait", &self.wait)
            .field("fail_fast", &self.fail_fast)
            .field("lease_timeout", &self.lease_timeout)
            .field("slow_lease", &self.slow_lease)
            .field("on_return", &self.on_return.is_some())
            .field("concurrency_per_member", &self.concurrency_per_member)
            .field("max_lifetime", &self.max_lifetime)
            .finish_non_exhaustive()
    }
}
