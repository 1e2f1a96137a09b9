//! Pools by key: one [`Pool`] per key, started on first use. See
//! [`PoolMap`].

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{Pool, PoolBuilder, PoolError, PoolStats};
use crate::client::Client;
use crate::connection::Connection;

/// Makes the builder of a key's pool.
type MakePool<K, C> = Arc<dyn Fn(&K) -> PoolBuilder<C> + Send + Sync>;
/// A start's outcome, once it is known.
type Outcome<C> = Option<Result<Pool<C>, PoolError>>;

/// Pools by key: one [`Pool`] per key (a cluster's node, a shard, a
/// tenant's database), each started from the builder `make` gives for its
/// key the first time the key is asked for.
///
/// Callers asking for a key whose pool is starting wait for that one
/// start, and all get its outcome: a pool, or the error it failed with
/// (a failed start is not kept: the next ask starts again). A pool is
/// stopped when its key is [removed](Self::remove), when the map is
/// [stopped](Self::stop), or, with [`evict_idle_after`](Self::evict_idle_after),
/// once its key has not been asked for that long (up to twice that) and
/// nothing else holds it (no handle of it outside the map, no lease).
/// Every pool stops once every handle of it and of the map is dropped.
///
/// Cloning is cheap (one handle to the same pools).
///
/// ```
/// use connection::pool::{Pool, PoolMap};
/// use connection::{connection, Attempt, Connect, Disconnect};
///
/// /// A link to one node of a cluster.
/// struct Node {
///     name: String,
/// }
///
/// #[connection]
/// impl Node {
///     #[connect]
///     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
///         Connect::Ok
///     }
///
///     #[disconnect]
///     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
///         Disconnect::Connect(())
///     }
///
///     #[call]
///     async fn name(&mut self) -> String {
///         self.name.clone()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // Two connections per node, made the first time a node is asked for.
/// let nodes = PoolMap::new(|node: &String| {
///     let node = node.clone();
///     Pool::builder(2, move || Node { name: node.clone() })
/// });
/// let node_a = nodes.pool(&"a".to_owned()).await?;
/// assert_eq!(node_a.client().await?.name().await?, "a");
/// assert_eq!(nodes.pool(&"b".to_owned()).await?.client().await?.name().await?, "b");
/// assert_eq!(nodes.stats().len(), 2);
/// nodes.stop().await;
/// # Ok(())
/// # }
/// ```
pub struct PoolMap<K, C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    shared: Arc<MapShared<K, C>>,
}

/// What every handle of a map shares.
struct MapShared<K, C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    make: MakePool<K, C>,
    /// Written only to add, settle and remove keys; an ask for a running
    /// pool reads.
    entries: RwLock<Entries<K, C>>,
    stopped: AtomicBool,
    /// Held by the eviction task while it takes and stops idle pools, so
    /// that `stop` can wait for the pools it is stopping.
    evicting: Arc<tokio::sync::Mutex<()>>,
}

struct Entries<K, C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    pools: HashMap<K, Entry<C>>,
    /// Numbers each start, so that a start finishing after its key was
    /// removed (and maybe started again) knows it is no longer wanted.
    next_start: u64,
    /// How long a key may go unasked before its pool is stopped.
    idle: Option<Duration>,
    /// Whether the task that evicts idle pools runs.
    evictor: bool,
}

enum Entry<C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    /// Being started by a task of its own; askers wait for its outcome.
    Starting {
        start: u64,
        outcome: watch::Receiver<Outcome<C>>,
    },
    Ready {
        pool: Pool<C>,
        /// Whether its key was asked for since the eviction task last
        /// looked (set on every ask, taken by each look).
        asked: AtomicBool,
    },
}

impl<K, C> PoolMap<K, C>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    C: Connection,
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    /// A map whose pool for a key is started from `make(key)`'s builder
    /// (its size, options, cap and hooks), the first time the key is asked
    /// for. Nothing starts until then.
    pub fn new(make: impl Fn(&K) -> PoolBuilder<C> + Send + Sync + 'static) -> Self {
        PoolMap {
            shared: Arc::new(MapShared {
                make: Arc::new(make),
                entries: RwLock::new(Entries {
                    pools: HashMap::new(),
                    next_start: 0,
                    idle: None,
                    evictor: false,
                }),
                stopped: AtomicBool::new(false),
                evicting: Arc::new(tokio::sync::Mutex::new(())),
            }),
        }
    }

    /// Stops a key's pool once the key has not been asked for (through
    /// [`pool`](Self::pool)) for `after` to twice that, unless something
    /// else holds the pool: a handle of it kept outside the map, or a
    /// lease. The next ask starts it again. For maps over an open set of
    /// keys (tenants, hosts), which would otherwise keep every pool they
    /// ever started. Every `after`, a task looks at each pool: one not
    /// asked for since its last look is stopped, so that an ask costs one
    /// flag rather than a clock read. Set it on the new map, before the
    /// first ask: the task starts with the first pool.
    #[must_use]
    pub fn evict_idle_after(self, after: Duration) -> Self {
        self.shared.write().idle = Some(after);
        self
    }

    /// The pool for `key`: the running one, or one started now (or by a
    /// caller who asked first, whose start this one waits for). A start
    /// that fails gives every caller waiting for it its error
    /// ([`PoolError::Start`], or [`PoolError::NoneConnected`] when no
    /// member connected within the pool's wait), and the next ask tries
    /// again. After [`stop`](Self::stop): [`PoolError::Stopped`].
    ///
    /// `make` runs outside the map's lock: callers asking for a new key at
    /// the same moment on several threads may each make a builder, and
    /// one of them is started.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, when the pool has to be started.
    pub async fn pool(&self, key: &K) -> Result<Pool<C>, PoolError> {
        let mut outcome = match self.look_up(key, None) {
            Found::Running(pool) => return Ok(pool),
            Found::Starting(outcome) => outcome,
            Found::Stopped => return Err(PoolError::Stopped),
            Found::Neither => {
                // The user's `make` runs outside the lock; if another
                // caller started the key meanwhile, its start is used.
                let builder = (self.shared.make)(key);
                match self.look_up(key, Some(builder)) {
                    Found::Running(pool) => return Ok(pool),
                    Found::Starting(outcome) => outcome,
                    Found::Stopped | Found::Neither => return Err(PoolError::Stopped),
                }
            }
        };
        // The start's task always sends an outcome before it ends; a task
        // that did not (its runtime shutting down) leaves no pool.
        match outcome.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or(Err(PoolError::Stopped)),
            Err(_) => Err(PoolError::Stopped),
        }
    }

    /// Looks `key` up, marking a running pool asked for; with a `builder`,
    /// a key with no pool is recorded as starting (in the same look, so
    /// that one start serves every caller) and its pool started on a task
    /// of its own, so that the start goes on if this caller gives up.
    fn look_up(&self, key: &K, builder: Option<PoolBuilder<C>>) -> Found<C> {
        if let Some(found) = self.found(&self.shared.read(), key) {
            return found;
        }
        let Some(builder) = builder else {
            return Found::Neither;
        };
        // Looked up again under the write lock: another caller may have
        // started the key since.
        let mut entries = self.shared.write();
        if let Some(found) = self.found(&entries, key) {
            return found;
        }
        let (publish, outcome) = watch::channel(None);
        let start = entries.next_start;
        entries.next_start += 1;
        let starting = Entry::Starting {
            start,
            outcome: outcome.clone(),
        };
        entries.pools.insert(key.clone(), starting);
        let (map, key) = (Arc::downgrade(&self.shared), key.clone());
        tokio::spawn(async move {
            let started = builder.start().await;
            let outcome = MapShared::settle(&map, key, start, started).await;
            publish.send_replace(Some(outcome));
        });
        Found::Starting(outcome)
    }

    /// What `key` has in `entries`, marking a running pool asked for;
    /// `None` when it has nothing (and the map runs).
    fn found(&self, entries: &Entries<K, C>, key: &K) -> Option<Found<C>> {
        if self.shared.stopped.load(Ordering::Acquire) {
            return Some(Found::Stopped);
        }
        match entries.pools.get(key)? {
            Entry::Ready { pool, asked } => {
                // Read first: a flag already set is not written again, so
                // that asks on many threads do not contend for its line.
                if !asked.load(Ordering::Relaxed) {
                    asked.store(true, Ordering::Relaxed);
                }
                Some(Found::Running(pool.clone()))
            }
            Entry::Starting { outcome, .. } => Some(Found::Starting(outcome.clone())),
        }
    }

    /// Stops `key`'s pool and forgets it: its members answer what they
    /// hold, then stop (as [`Pool::stop`]); handles of it kept elsewhere
    /// fail with [`PoolError::Stopped`]. A pool still starting is stopped
    /// once started, and its waiting callers get [`PoolError::Stopped`].
    /// Returns whether the key had a pool; the next ask starts a new one.
    pub async fn remove(&self, key: &K) -> bool {
        let removed = self.shared.write().pools.remove(key);
        match removed {
            Some(Entry::Ready { pool, .. }) => {
                pool.stop().await;
                true
            }
            Some(Entry::Starting { mut outcome, .. }) => {
                let _ = outcome.wait_for(Option::is_some).await;
                true
            }
            None => false,
        }
    }

    /// Stops every pool (each as [`Pool::stop`], at once) and the map:
    /// asks from now on fail with [`PoolError::Stopped`], and so do the
    /// callers waiting for a start. Returns once every pool has stopped,
    /// those being evicted as idle at that moment included.
    pub async fn stop(&self) {
        let entries = {
            let mut entries = self.shared.write();
            self.shared.stopped.store(true, Ordering::Release);
            std::mem::take(&mut entries.pools)
        };
        let mut stopping = JoinSet::new();
        for (_, entry) in entries {
            match entry {
                Entry::Ready { pool, .. } => stopping.spawn(async move { pool.stop().await }),
                Entry::Starting { mut outcome, .. } => stopping.spawn(async move {
                    let _ = outcome.wait_for(Option::is_some).await;
                }),
            };
        }
        while stopping.join_next().await.is_some() {}
        let _evicted = self.shared.evicting.lock().await;
    }

    /// Whether [`stop`](Self::stop) was called.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.shared.stopped.load(Ordering::Acquire)
    }

    /// Each running pool's [stats](Pool::stats), by key (pools still
    /// starting are not in it).
    #[must_use]
    pub fn stats(&self) -> HashMap<K, PoolStats> {
        let entries = self.shared.read();
        entries
            .pools
            .iter()
            .filter_map(|(key, entry)| match entry {
                Entry::Ready { pool, .. } => Some((key.clone(), pool.stats())),
                Entry::Starting { .. } => None,
            })
            .collect()
    }
}

/// What a key has in the map.
enum Found<C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    Running(Pool<C>),
    Starting(watch::Receiver<Outcome<C>>),
    Stopped,
    Neither,
}

impl<K, C: Connection> MapShared<K, C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    // The lock is never held across user code or a wait: a panic under it
    // leaves the map whole.
    fn read(&self) -> RwLockReadGuard<'_, Entries<K, C>> {
        self.entries.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Entries<K, C>> {
        self.entries.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K, C> MapShared<K, C>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    C: Connection,
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    /// Puts a finished start in its place: a started pool becomes its
    /// key's, a failed one leaves the key free for the next ask. A pool
    /// whose key was removed (or whose map was stopped or dropped) while
    /// it started is stopped, and its callers told so.
    async fn settle(
        map: &Weak<Self>,
        key: K,
        start: u64,
        started: Result<Pool<C>, PoolError>,
    ) -> Result<Pool<C>, PoolError> {
        let kept = map.upgrade().and_then(|map| {
            let mut entries = map.write();
            // Still this start's key: not removed (and started again) since.
            let ours = |entry: &Entry<C>| {
                matches!(entry, Entry::Starting { start: current, .. } if *current == start)
            };
            let wanted = entries.pools.get(&key).is_some_and(ours);
            if !wanted || map.stopped.load(Ordering::Acquire) {
                return None;
            }
            match &started {
                Ok(pool) => {
                    let ready = Entry::Ready {
                        pool: pool.clone(),
                        asked: AtomicBool::new(true),
                    };
                    entries.pools.insert(key, ready);
                    if let Some(idle) = entries.idle.filter(|_| !entries.evictor) {
                        entries.evictor = true;
                        tokio::spawn(Self::evict_idle(Arc::downgrade(&map), idle));
                    }
                }
                Err(_) => {
                    entries.pools.remove(&key);
                }
            }
            Some(())
        });
        match (kept, started) {
            (Some(()), started) => started,
            (None, Ok(pool)) => {
                pool.stop().await;
                Err(PoolError::Stopped)
            }
            (None, Err(error)) => Err(error),
        }
    }

    /// Every `idle`, stops the pools whose keys went unasked since the
    /// last look and that nothing else holds; ends with the map.
    async fn evict_idle(map: Weak<Self>, idle: Duration) {
        loop {
            tokio::time::sleep(idle).await;
            let Some(shared) = map.upgrade() else { return };
            // Taken before the look: a `stop` after it waits for these.
            let evicting = shared.evicting.clone().lock_owned().await;
            if shared.stopped.load(Ordering::Acquire) {
                return;
            }
            let due = shared.take_idle();
            // Not kept while the pools stop: the map may go meanwhile.
            drop(shared);
            for pool in due {
                pool.stop().await;
            }
            drop(evicting);
        }
    }

    /// Removes and returns the pools not asked for since the last look and
    /// held by the map alone; takes the others' marks.
    fn take_idle(&self) -> Vec<Pool<C>> {
        let mut due = Vec::new();
        self.write().pools.retain(|_, entry| {
            let Entry::Ready { pool, asked } = entry else {
                return true;
            };
            if asked.swap(false, Ordering::Relaxed) || pool.handles() > 1 {
                return true;
            }
            due.push(pool.clone());
            false
        });
        due
    }
}

impl<K, C: Connection> Clone for PoolMap<K, C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn clone(&self) -> Self {
        PoolMap {
            shared: self.shared.clone(),
        }
    }
}

impl<K: fmt::Debug, C: Connection> fmt::Debug for PoolMap<K, C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.shared.read();
        let keys: Vec<&K> = entries.pools.keys().collect();
        f.debug_struct("PoolMap")
            .field("keys", &keys)
            .field("stopped", &self.shared.stopped.load(Ordering::Acquire))
            .finish_non_exhaustive()
    }
}
