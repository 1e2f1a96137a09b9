//! `connection::pool::PoolMap`: one pool per key, started once on first
//! use however many callers ask at once, a failed start given to every
//! caller waiting for it and not kept, `remove`, the draining `stop` (of
//! pools being evicted too), and idle pools evicted unless asked for or
//! held. On tokio's paused clock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connection::pool::{Pool, PoolError, PoolMap};
use connection::{Attempt, Backoff, CallError, Connect, Context, Disconnect, Options, connection};

/// What the test controls and counts, by key.
#[derive(Default)]
struct Nodes {
    /// Keys whose connects are refused.
    down: Mutex<Vec<String>>,
    /// Keys whose connects take this long.
    slow: Mutex<HashMap<String, Duration>>,
    /// Keys whose connections take this long to end (`terminate`).
    lingering: Mutex<HashMap<String, Duration>>,
    /// Connects that succeeded, by key.
    connects: Mutex<HashMap<String, usize>>,
    /// Pool builders made (the map's `make`).
    made: AtomicUsize,
    /// Connection values dropped (their pool stopped with every handle).
    dropped: AtomicUsize,
}

impl Nodes {
    /// Nodes whose connects to `key` take `delay`.
    fn slow_to_connect(key: &str, delay: Duration) -> Arc<Self> {
        let nodes = Arc::new(Nodes::default());
        nodes.slow.lock().unwrap().insert(key.into(), delay);
        nodes
    }

    fn connects(&self, key: &str) -> usize {
        self.connects.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

/// A connection to the node named `key`.
struct Node {
    key: String,
    nodes: Arc<Nodes>,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.nodes.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

#[connection]
impl Node {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        let slow = self.nodes.slow.lock().unwrap().get(&self.key).copied();
        if let Some(slow) = slow {
            tokio::time::sleep(slow).await;
        }
        if self.nodes.down.lock().unwrap().contains(&self.key) {
            ctx.record_failure(format!("node {} refused the connection", self.key));
            return Connect::Backoff(Duration::from_millis(100));
        }
        *self
            .nodes
            .connects
            .lock()
            .unwrap()
            .entry(self.key.clone())
            .or_default() += 1;
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::Connect(())
    }

    #[terminate]
    async fn terminate(&mut self, _why: &connection::Stop) {
        let linger = self.nodes.lingering.lock().unwrap().get(&self.key).copied();
        if let Some(linger) = linger {
            tokio::time::sleep(linger).await;
        }
    }

    /// Which node answered.
    #[call]
    async fn key(&mut self) -> String {
        self.key.clone()
    }
}

/// Two connections per key, each start waiting a second for both.
fn map(nodes: &Arc<Nodes>) -> PoolMap<String, Node> {
    let nodes = nodes.clone();
    PoolMap::new(move |key: &String| {
        nodes.made.fetch_add(1, Ordering::Relaxed);
        let (key, nodes) = (key.clone(), nodes.clone());
        Pool::builder(2, move || Node {
            key: key.clone(),
            nodes: nodes.clone(),
        })
        .options(
            Options::default()
                .backoff(|| Backoff::from_fn(|| std::iter::repeat(Duration::from_millis(100)))),
        )
        .min_connected(2)
        .wait(Duration::from_secs(1))
    })
}

/// Asks for `key`'s pool on a task of its own.
fn ask_in_background(
    map: &PoolMap<String, Node>,
    key: &str,
) -> tokio::task::JoinHandle<Result<Pool<Node>, PoolError>> {
    let (map, key) = (map.clone(), key.to_owned());
    tokio::spawn(async move { map.pool(&key).await })
}

async fn key_of(map: &PoolMap<String, Node>, key: &str) -> Result<String, PoolError> {
    let pool = map.pool(&key.to_owned()).await?;
    let answer = pool.client().await?.key().await;
    Ok(answer.expect("the member answers"))
}

#[tokio::test(start_paused = true)]
async fn each_key_gets_a_pool_of_its_own_started_once_for_many_callers() {
    let nodes = Nodes::slow_to_connect("a", Duration::from_millis(300));
    let map = map(&nodes);

    // Ten callers ask for `a` while its start takes 300 ms: one start.
    let asks: Vec<_> = (0..10)
        .map(|_| {
            let map = map.clone();
            tokio::spawn(async move { key_of(&map, "a").await })
        })
        .collect();
    for ask in asks {
        assert_eq!(ask.await.unwrap().unwrap(), "a");
    }
    assert_eq!(nodes.connects("a"), 2, "one pool of two for `a`");
    assert_eq!(key_of(&map, "b").await.unwrap(), "b");
    assert_eq!(key_of(&map, "a").await.unwrap(), "a");
    assert_eq!((nodes.connects("a"), nodes.connects("b")), (2, 2));

    let stats = map.stats();
    assert_eq!(stats.len(), 2);
    assert_eq!(stats["a"].connected, 2);
    assert_eq!(stats["b"].members, 2);
    map.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_start_reaches_every_caller_waiting_for_it_and_is_not_kept() {
    let nodes = Arc::new(Nodes::default());
    nodes.down.lock().unwrap().push("a".into());
    let map = map(&nodes);

    let asks: Vec<_> = (0..3)
        .map(|_| {
            let map = map.clone();
            tokio::spawn(async move { map.pool(&"a".to_owned()).await.map(|_| ()) })
        })
        .collect();
    for ask in asks {
        let error = ask.await.unwrap().unwrap_err();
        assert!(
            matches!(error, PoolError::NoneConnected { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("node a refused"), "{error}");
    }
    assert_eq!(
        nodes.made.load(Ordering::Relaxed),
        1,
        "one start for the three"
    );
    assert!(map.stats().is_empty(), "a failed start is not kept");

    // The next ask starts again, and the node is up now.
    nodes.down.lock().unwrap().clear();
    assert_eq!(key_of(&map, "a").await.unwrap(), "a");
    assert_eq!(nodes.made.load(Ordering::Relaxed), 2);
    map.stop().await;
}

#[tokio::test(start_paused = true)]
async fn remove_stops_the_keys_pool_and_the_next_ask_starts_a_new_one() {
    let nodes = Arc::new(Nodes::default());
    let map = map(&nodes);
    let kept = map.pool(&"a".to_owned()).await.unwrap();
    assert_eq!(key_of(&map, "b").await.unwrap(), "b");

    assert!(map.remove(&"a".to_owned()).await);
    assert!(kept.is_stopped());
    assert!(matches!(kept.client().await, Err(PoolError::Stopped)));
    assert!(!map.remove(&"a".to_owned()).await, "gone already");
    assert_eq!(map.stats().len(), 1, "`b` untouched");

    assert_eq!(key_of(&map, "a").await.unwrap(), "a");
    assert_eq!(nodes.connects("a"), 4, "a new pool of two");
    map.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_key_removed_while_its_pool_starts_gets_no_pool() {
    let nodes = Nodes::slow_to_connect("a", Duration::from_millis(500));
    let map = map(&nodes);
    let ask = ask_in_background(&map, "a");
    tokio::time::sleep(Duration::from_millis(100)).await;

    assert!(map.remove(&"a".to_owned()).await);
    assert!(matches!(ask.await.unwrap(), Err(PoolError::Stopped)));
    assert!(map.stats().is_empty());
    // Its members were started, then stopped and dropped with the pool.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(nodes.dropped.load(Ordering::Relaxed), 2);
    map.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stop_stops_every_pool_and_fails_asks_and_starts_in_progress() {
    let nodes = Nodes::slow_to_connect("slow", Duration::from_millis(500));
    let map = map(&nodes);
    let ready = map.pool(&"a".to_owned()).await.unwrap();
    let starting = ask_in_background(&map, "slow");
    tokio::time::sleep(Duration::from_millis(100)).await;

    map.stop().await;
    assert!(map.is_stopped());
    assert!(ready.is_stopped());
    assert!(matches!(starting.await.unwrap(), Err(PoolError::Stopped)));
    assert!(matches!(
        map.pool(&"b".to_owned()).await,
        Err(PoolError::Stopped)
    ));
    assert!(map.stats().is_empty());
    assert_eq!(nodes.made.load(Ordering::Relaxed), 2, "`b` was never made");
}

#[tokio::test(start_paused = true)]
async fn idle_pools_are_evicted_unless_asked_for_or_held() {
    let nodes = Arc::new(Nodes::default());
    let map = map(&nodes).evict_idle_after(Duration::from_secs(60));
    for key in ["a", "b", "c"] {
        key_of(&map, key).await.unwrap();
    }
    let held = map.pool(&"c".to_owned()).await.unwrap();
    let keys = |map: &PoolMap<String, Node>| {
        let mut keys: Vec<String> = map.stats().into_keys().collect();
        keys.sort();
        keys
    };

    // Every 60 s each pool is looked at: one not asked for since the last
    // look (60 s to 120 s) is stopped, unless held.
    tokio::time::sleep(Duration::from_secs(70)).await;
    key_of(&map, "b").await.unwrap();
    tokio::time::sleep(Duration::from_secs(51)).await;
    assert_eq!(keys(&map), ["b", "c"], "`a` unasked for two looks");
    // Evicted pools stop: their two connections are dropped.
    assert_eq!(nodes.dropped.load(Ordering::Relaxed), 2);

    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(keys(&map), ["c"], "`b` unasked since 70 s; `c` held");

    drop(held);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(keys(&map).is_empty(), "`c` let go");
    assert_eq!(nodes.dropped.load(Ordering::Relaxed), 6);

    // The next ask starts it again.
    assert_eq!(key_of(&map, "a").await.unwrap(), "a");
    assert_eq!(nodes.connects("a"), 4);
    map.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_pools_stop_when_every_handle_of_the_map_is_dropped() {
    let nodes = Arc::new(Nodes::default());
    let map = map(&nodes).evict_idle_after(Duration::from_secs(60));
    key_of(&map, "a").await.unwrap();
    key_of(&map, "b").await.unwrap();
    drop(map);
    // The eviction task holds the map weakly: nothing keeps the pools.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(nodes.dropped.load(Ordering::Relaxed), 4);
}

#[tokio::test(start_paused = true)]
async fn stop_waits_for_the_pools_being_evicted() {
    let nodes = Arc::new(Nodes::default());
    nodes
        .lingering
        .lock()
        .unwrap()
        .insert("a".into(), Duration::from_secs(2));
    let map = map(&nodes).evict_idle_after(Duration::from_secs(60));
    key_of(&map, "a").await.unwrap();

    // Looked at after 60 s (asked since the start), then at 120 s (not:
    // evicted; its connections take 2 s to end).
    tokio::time::sleep(Duration::from_millis(120_500)).await;
    assert!(map.stats().is_empty(), "taken out at 120 s");
    assert_eq!(nodes.dropped.load(Ordering::Relaxed), 0, "still ending");

    map.stop().await;
    assert_eq!(
        nodes.dropped.load(Ordering::Relaxed),
        2,
        "the stop waited for them"
    );
}

/// Many tasks on two workers asking for, calling through and removing the
/// pools of four keys at once, then a stop: every answer comes from its
/// key's node, nothing fails but with `Stopped` (a pool removed under its
/// caller), nothing hangs, and every connection ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asks_removes_and_a_stop_racing_on_two_workers_lose_nothing() {
    let nodes = Arc::new(Nodes::default());
    let map = map(&nodes);
    let tasks: Vec<_> = (0..8u64)
        .map(|task| {
            let map = map.clone();
            tokio::spawn(async move {
                // A fixed sequence per task (a linear congruential
                // generator), so that a failure can be replayed.
                let mut state = task.wrapping_mul(6_364_136_223_846_793_005) + 1;
                for _ in 0..200 {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let key = ((state >> 33) % 4).to_string();
                    let op = async {
                        if (state >> 40) % 10 == 0 {
                            map.remove(&key).await;
                            return;
                        }
                        // A pool removed under its caller fails its asks,
                        // its picks and its calls with `Stopped`.
                        let pool = match map.pool(&key).await {
                            Ok(pool) => pool,
                            Err(PoolError::Stopped) => return,
                            Err(error) => panic!("{key}: {error:?}"),
                        };
                        let client = match pool.client().await {
                            Ok(client) => client,
                            Err(PoolError::Stopped) => return,
                            Err(error) => panic!("{key}: {error:?}"),
                        };
                        match client.key().await {
                            Ok(answered) => assert_eq!(answered, key),
                            Err(CallError::Stopped(_)) => {}
                            Err(error) => panic!("{key}: {error:?}"),
                        }
                    };
                    tokio::time::timeout(Duration::from_secs(5), op)
                        .await
                        .expect("an ask or a remove hung");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    tokio::time::timeout(Duration::from_secs(5), map.stop())
        .await
        .expect("the stop hung");
    let made: usize = nodes.connects.lock().unwrap().values().sum();
    assert!(made > 0);
    // Every connection made ends (dropped once its pool stopped).
    let started = std::time::Instant::now();
    while nodes.dropped.load(Ordering::Relaxed) < made {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{} of {made} connections still alive",
            made - nodes.dropped.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
