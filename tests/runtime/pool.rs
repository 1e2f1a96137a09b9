//! `connection::pool`: routing to connected members by load, leases (their
//! exclusivity, order, timeout and cancellation), resize, the draining stop,
//! `min_connected`, and the error that says why no member is up. On tokio's
//! paused clock: every wait below is virtual time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connection::pool::{Pool, PoolError};
use connection::{Attempt, Backoff, Connect, Context, Disconnect, Options, connection};
use tokio::time::Instant;

/// What the test controls from outside: which members may connect, and
/// which are slow.
#[derive(Default)]
struct Backends {
    next: AtomicUsize,
    /// Members (by their number) whose connects are refused.
    down: Mutex<Vec<usize>>,
    /// Members whose every call takes this long.
    slow: Mutex<HashMap<usize, Duration>>,
    /// Connects refused so far.
    refused: AtomicUsize,
    /// Members that, having lost their link, say so and wait a minute
    /// before they try again.
    lingering: Mutex<Vec<usize>>,
}

impl Backends {
    fn is_down(&self, member: usize) -> bool {
        self.down.lock().unwrap().contains(&member)
    }

    fn set_down(&self, members: &[usize]) {
        *self.down.lock().unwrap() = members.to_vec();
    }
}

/// A member: knows its number, and connects unless told it is down.
struct Backend {
    id: usize,
    backends: Arc<Backends>,
}

impl Backend {
    fn factory(backends: &Arc<Backends>) -> impl Fn() -> Backend + Send + Sync + 'static {
        let backends = backends.clone();
        move || Backend {
            id: backends.next.fetch_add(1, Ordering::Relaxed),
            backends: backends.clone(),
        }
    }
}

#[connection]
impl Backend {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        if self.backends.is_down(self.id) {
            self.backends.refused.fetch_add(1, Ordering::Relaxed);
            ctx.record_failure(format!("backend {} refused the connection", self.id));
            return Connect::Backoff(Duration::from_millis(100));
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: (), ctx: &mut Context<Self>) -> Disconnect<()> {
        if self.backends.lingering.lock().unwrap().contains(&self.id) {
            ctx.record_failure(format!("backend {} lost its link", self.id));
            return Disconnect::Backoff(Duration::from_secs(60));
        }
        Disconnect::Connect(())
    }

    /// Which member answered.
    #[call]
    async fn who(&mut self) -> usize {
        let slow = self.backends.slow.lock().unwrap().get(&self.id).copied();
        if let Some(slow) = slow {
            tokio::time::sleep(slow).await;
        }
        self.id
    }

    /// Answers after `after`.
    #[call]
    async fn after(&mut self, after: Duration) -> usize {
        tokio::time::sleep(after).await;
        self.id
    }

    /// Stops the member with an error (restarted or not, by the policy).
    #[cast]
    async fn fail(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(connection::Stop::error("failed on purpose"));
    }

    /// Drops the link (it reconnects unless the member is down).
    #[cast]
    async fn drop_link(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect(());
    }
}

fn options() -> Options {
    Options::default()
        .call_timeout(Duration::from_secs(5))
        .backoff(|| Backoff::from_fn(|| std::iter::repeat(Duration::from_millis(100))))
}

async fn pool_of(size: usize, backends: &Arc<Backends>) -> Pool<Backend> {
    Pool::builder(size, Backend::factory(backends))
        .options(options())
        .min_connected(size)
        .start()
        .await
        .unwrap()
}

/// Two members, both connected at the start; a request waits a second for
/// one.
async fn two_waiting_a_second(backends: &Arc<Backends>) -> Pool<Backend> {
    Pool::builder(2, Backend::factory(backends))
        .options(options())
        .wait(Duration::from_secs(1))
        .min_connected(2)
        .start()
        .await
        .unwrap()
}

/// Takes `member` down: its connects are refused and its link dropped.
async fn take_down(pool: &Pool<Backend>, backends: &Backends, members: &[usize]) {
    backends.set_down(members);
    // Any member's client reaches it through a lease of each in turn.
    let mut leases = Vec::new();
    for _ in 0..pool.stats().members {
        let lease = pool.lease().await.unwrap();
        if members.contains(&lease.member()) {
            lease.drop_link().await.unwrap();
        }
        leases.push(lease);
    }
    drop(leases);
    // Let each dropped link's disconnect run.
    tokio::time::sleep(Duration::from_millis(1)).await;
}

async fn answers(pool: &Pool<Backend>, requests: usize) -> HashMap<usize, usize> {
    let mut by_member = HashMap::new();
    for _ in 0..requests {
        let member = pool.client().await.unwrap().who().await.unwrap();
        *by_member.entry(member).or_default() += 1;
    }
    by_member
}

#[tokio::test(start_paused = true)]
async fn requests_go_only_to_connected_members_as_they_go_down_and_come_back() {
    let backends = Arc::new(Backends::default());
    let pool = pool_of(4, &backends).await;
    let all = answers(&pool, 400).await;
    assert_eq!(all.len(), 4, "every member takes requests: {all:?}");

    take_down(&pool, &backends, &[0, 1]).await;
    assert_eq!(pool.stats().connected, 2);
    let two = answers(&pool, 400).await;
    assert!(
        two.keys().all(|member| *member >= 2),
        "a member that is down was chosen: {two:?}"
    );
    assert_eq!(two.values().sum::<usize>(), 400);

    // Member 1 may connect again: after its backoff it takes requests.
    backends.set_down(&[0]);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(pool.stats().connected, 3);
    let three = answers(&pool, 400).await;
    assert!(
        three.contains_key(&1) && !three.contains_key(&0),
        "{three:?}"
    );
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_slow_member_gets_fewer_requests_than_a_fast_one() {
    let backends = Arc::new(Backends::default());
    let pool = pool_of(2, &backends).await;
    backends
        .slow
        .lock()
        .unwrap()
        .insert(0, Duration::from_millis(10));

    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let pool = pool.clone();
        callers.spawn(async move {
            let mut served = [0usize; 2];
            for _ in 0..20 {
                served[pool.client().await.unwrap().who().await.unwrap()] += 1;
            }
            served
        });
    }
    let mut served = [0usize; 2];
    while let Some(caller) = callers.join_next().await {
        let caller = caller.unwrap();
        served[0] += caller[0];
        served[1] += caller[1];
    }
    assert_eq!(served[0] + served[1], 400);
    // Round robin would give each 200.
    assert!(
        served[0] * 4 < served[1],
        "the slow member got {} requests, the fast one {}",
        served[0],
        served[1]
    );
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_leased_member_takes_no_routed_request_until_the_lease_ends() {
    let backends = Arc::new(Backends::default());
    let pool = pool_of(2, &backends).await;
    let lease = pool.lease().await.unwrap();
    let leased = lease.member();
    assert_eq!(lease.who().await.unwrap(), leased);
    assert_eq!(pool.stats().leased, 1);

    let while_leased = answers(&pool, 200).await;
    assert!(!while_leased.contains_key(&leased), "{while_leased:?}");

    drop(lease);
    assert_eq!(pool.stats().leased, 0);
    let after = answers(&pool, 200).await;
    assert!(after.contains_key(&leased), "{after:?}");
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn leases_wait_in_the_order_they_came_and_time_out() {
    let backends = Arc::new(Backends::default());
    let pool = Pool::builder(1, Backend::factory(&backends))
        .options(options())
        .lease_timeout(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let held = pool.lease().await.unwrap();

    let order = Arc::new(Mutex::new(Vec::new()));
    let mut waiters = Vec::new();
    for waiter in 0..3 {
        let (pool, order) = (pool.clone(), order.clone());
        waiters.push(tokio::spawn(async move {
            let lease = pool.lease().await.unwrap();
            order.lock().unwrap().push(waiter);
            // Held a while, so that the next one waits for it.
            tokio::time::sleep(Duration::from_millis(10)).await;
            drop(lease);
        }));
        // Each waiter queues before the next is spawned.
        tokio::task::yield_now().await;
    }
    assert_eq!(pool.stats().waiting_leases, 3);
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(held);
    for waiter in waiters {
        waiter.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2]);

    // A lease that finds every member leased for the whole timeout.
    let held = pool.lease().await.unwrap();
    let started = Instant::now();
    let error = pool.lease().await.unwrap_err();
    assert!(
        matches!(error, PoolError::LeaseTimeout { waited, .. } if waited == Duration::from_secs(1)),
        "{error:?}"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    drop(held);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_lease_dropped_while_it_waits_loses_no_capacity() {
    let backends = Arc::new(Backends::default());
    let pool = pool_of(2, &backends).await;
    let first = pool.lease().await.unwrap();
    let second = pool.lease().await.unwrap();

    // A hundred leases given up while they wait, at every point of it.
    for wait in 0..100 {
        let given_up = tokio::time::timeout(Duration::from_micros(wait * 10), pool.lease()).await;
        assert!(given_up.is_err(), "no member was free");
    }
    assert_eq!(pool.stats().waiting_leases, 0);
    drop((first, second));

    let stats = pool.stats();
    assert_eq!((stats.leased, stats.waiting_leases), (0, 0));
    // Both members can still be leased, and requests still reach both.
    let first = pool.lease().await.unwrap();
    let second = pool.lease().await.unwrap();
    assert_ne!(first.member(), second.member());
    drop((first, second));
    assert_eq!(answers(&pool, 100).await.len(), 2);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_return_hook_runs_before_the_member_takes_requests_again() {
    let backends = Arc::new(Backends::default());
    let returned = Arc::new(AtomicBool::new(false));
    let pool = Pool::builder(1, Backend::factory(&backends))
        .options(options())
        .on_return({
            let returned = returned.clone();
            move |member| {
                let returned = returned.clone();
                async move {
                    // A `ROLLBACK`: a request on the member itself.
                    member.after(Duration::from_millis(50)).await.unwrap();
                    returned.store(true, Ordering::SeqCst);
                }
            }
        })
        .start()
        .await
        .unwrap();
    drop(pool.lease().await.unwrap());
    assert_eq!(
        pool.stats().leased,
        1,
        "out of rotation while the hook runs"
    );
    let started = Instant::now();
    pool.client().await.unwrap();
    assert!(returned.load(Ordering::SeqCst));
    assert_eq!(started.elapsed(), Duration::from_millis(50));
    assert_eq!(pool.stats().leased, 0);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_return_hook_that_panics_stops_the_member_and_a_new_session_takes_its_place() {
    let backends = Arc::new(Backends::default());
    let pool = Pool::builder(1, Backend::factory(&backends))
        .options(options())
        .on_return(|_member| async { panic!("the rollback failed") })
        .start()
        .await
        .unwrap();
    assert_eq!(pool.client().await.unwrap().who().await.unwrap(), 0);
    drop(pool.lease().await.unwrap());
    // Not lost to the pool, nor handed out with what the hook was undoing:
    // stopped, and back (restarted or replaced, as the policy says) on the
    // factory's next value: a new session.
    let started = Instant::now();
    while pool.stats().leased == 1 || pool.stats().connected == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "not back");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stats = pool.stats();
    assert_eq!((stats.members, stats.leased), (1, 0), "{stats:?}");
    assert_eq!(pool.client().await.unwrap().who().await.unwrap(), 1);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn with_every_member_down_a_request_waits_then_says_why() {
    let backends = Arc::new(Backends::default());
    let pool = two_waiting_a_second(&backends).await;
    take_down(&pool, &backends, &[0, 1]).await;

    let started = Instant::now();
    let error = pool.client().await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(1), "{error:?}");
    let PoolError::NoneConnected { waited, cause } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*waited, Duration::from_secs(1));
    let cause = cause.as_ref().expect("a member said why").to_string();
    assert!(cause.contains("refused the connection"), "{cause}");
    assert!(
        error.to_string().contains("refused the connection"),
        "{error}"
    );
    assert!(std::error::Error::source(&error).is_some());

    // One member comes back while a request waits: it gets it.
    let waiting = tokio::spawn({
        let pool = pool.clone();
        async move { pool.client().await.map(|_| Instant::now()) }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    backends.set_down(&[0]);
    let served_at = waiting.await.unwrap().expect("served once member 1 is up");
    assert!(served_at.duration_since(started) < Duration::from_secs(2));
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_cause_is_the_latest_failure_why_members_stay_down_not_the_first_members() {
    let backends = Arc::new(Backends::default());
    let pool = two_waiting_a_second(&backends).await;
    // Member 1 is refused every 100 ms from now on; member 0 loses its link
    // a little later and says so once, then waits a minute.
    backends.lingering.lock().unwrap().push(0);
    take_down(&pool, &backends, &[1]).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let lease = pool.lease().await.unwrap();
    assert_eq!(lease.member(), 0, "the only member up");
    lease.drop_link().await.unwrap();
    drop(lease);
    tokio::time::sleep(Duration::from_millis(1)).await;

    let error = pool.client().await.unwrap_err();
    let PoolError::NoneConnected { cause, .. } = &error else {
        panic!("{error:?}");
    };
    let cause = cause.as_ref().expect("a member said why").to_string();
    assert_eq!(
        cause, "backend 1 refused the connection",
        "the latest failure, not member 0's older one"
    );
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_fail_fast_pool_errs_at_once_with_the_cause() {
    let backends = Arc::new(Backends::default());
    backends.set_down(&[0]);
    let pool = Pool::builder(1, Backend::factory(&backends))
        .options(options())
        .min_connected(0)
        .fail_fast()
        .start()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    let started = Instant::now();
    let error = pool.client().await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert!(
        matches!(&error, PoolError::NoneConnected { waited, cause: Some(_) } if waited.is_zero()),
        "{error:?}"
    );
    assert!(matches!(
        pool.try_client(),
        Err(PoolError::NoneConnected { .. })
    ));
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn start_waits_for_min_connected_members_or_fails_with_why() {
    let backends = Arc::new(Backends::default());
    backends.set_down(&[2]);
    let pool = Pool::builder(3, Backend::factory(&backends))
        .options(options())
        .min_connected(2)
        .start()
        .await
        .unwrap();
    let stats = pool.stats();
    assert_eq!((stats.members, stats.connected), (3, 2));
    pool.stop().await;

    let backends = Arc::new(Backends::default());
    backends.set_down(&[2]);
    let started = Instant::now();
    let error = Pool::builder(3, Backend::factory(&backends))
        .options(options())
        .min_connected(3)
        .wait(Duration::from_secs(2))
        .start()
        .await
        .unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert!(
        error
            .to_string()
            .contains("backend 2 refused the connection"),
        "{error}"
    );
    // The members that started were stopped: nothing connects any more.
    let refused = backends.refused.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(backends.refused.load(Ordering::Relaxed), refused);
}

#[tokio::test(start_paused = true)]
async fn resize_adds_members_and_removes_them_after_they_answer() {
    let backends = Arc::new(Backends::default());
    let pool = pool_of(2, &backends).await;
    pool.resize(4).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(pool.stats().connected, 4);
    // A handle made before the resize, and one made after it.
    assert_eq!(answers(&pool, 400).await.len(), 4);
    assert_eq!(answers(&pool.clone(), 400).await.len(), 4);

    // Requests in flight on every member, then the pool shrinks to one.
    let mut leases = Vec::new();
    for _ in 0..4 {
        leases.push(pool.lease().await.unwrap());
    }
    let mut pending = Vec::new();
    for lease in leases {
        let client = lease.client().clone();
        pending.push(tokio::spawn(async move {
            client.after(Duration::from_millis(200)).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    pool.resize(1).await.unwrap();
    assert_eq!(pool.stats().members, 1);
    for request in pending {
        assert!(request.await.unwrap().is_ok(), "a removed member answered");
    }
    let left = answers(&pool, 50).await;
    assert_eq!(left.len(), 1);
    assert_eq!(answers(&pool.clone(), 50).await, left);
    // The lease places went with the members: one lease, not four.
    let only = pool.lease().await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(10), pool.lease())
            .await
            .is_err()
    );
    drop(only);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stop_answers_what_members_hold_then_refuses() {
    let backends = Arc::new(Backends::default());
    let pool = pool_of(3, &backends).await;
    let mut pending = Vec::new();
    for _ in 0..30 {
        let client = pool.client().await.unwrap().client();
        pending.push(tokio::spawn(async move {
            client.after(Duration::from_millis(20)).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    let clients: Vec<_> = (0..3).map(|_| pool.try_client().unwrap()).collect();
    pool.stop().await;
    for request in pending {
        assert!(
            request.await.unwrap().is_ok(),
            "a request held was answered"
        );
    }
    assert!(clients.iter().all(|client| !client.is_alive()));
    assert!(matches!(pool.client().await, Err(PoolError::Stopped)));
    assert!(matches!(pool.lease().await, Err(PoolError::Stopped)));
    assert!(matches!(pool.resize(3).await, Err(PoolError::Stopped)));
    assert_eq!(pool.stats().members, 0);
}

#[tokio::test(start_paused = true)]
async fn stats_count_members_and_their_load() {
    let backends = Arc::new(Backends::default());
    let pool = pool_of(2, &backends).await;
    let lease = pool.lease().await.unwrap();
    let busy = lease.client().clone();
    let mut pending = Vec::new();
    for _ in 0..3 {
        let busy = busy.clone();
        pending.push(tokio::spawn(async move {
            busy.after(Duration::from_millis(10)).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    let stats = pool.stats();
    assert_eq!((stats.members, stats.connected, stats.leased), (2, 2, 1));
    let leased = stats.each.iter().find(|member| member.leased).unwrap();
    // One being handled, two waiting behind it (taken out of the mailbox
    // with it, or still in it).
    assert_eq!(leased.load, 3, "{stats:?}");
    let free = stats.each.iter().find(|member| !member.leased).unwrap();
    assert_eq!(free.load, 0, "{stats:?}");
    for request in pending {
        request.await.unwrap().unwrap();
    }
    drop(lease);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_member_stopped_for_good_is_skipped_then_replaced_by_resize() {
    let backends = Arc::new(Backends::default());
    let pool = Pool::builder(2, Backend::factory(&backends))
        .options(options())
        .restart(connection::RestartPolicy::new(
            connection::Restart::Temporary,
        ))
        .min_connected(2)
        .start()
        .await
        .unwrap();
    let lease = pool.lease().await.unwrap();
    let failed = lease.member();
    lease.fail().await.unwrap();
    drop(lease);
    tokio::time::sleep(Duration::from_millis(1)).await;
    let stats = pool.stats();
    assert_eq!((stats.members, stats.connected), (2, 1), "{stats:?}");
    assert!(
        stats
            .each
            .iter()
            .any(|member| member.id == failed && !member.alive)
    );
    assert!(!answers(&pool, 50).await.contains_key(&failed));

    // Same size: the stopped member is replaced by a new one.
    pool.resize(2).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    let stats = pool.stats();
    assert_eq!((stats.members, stats.connected), (2, 2), "{stats:?}");
    assert!(
        stats
            .each
            .iter()
            .all(|member| member.alive && member.id != failed)
    );
    // Two places for leases, not three.
    let (first, second) = (pool.lease().await.unwrap(), pool.lease().await.unwrap());
    assert!(
        tokio::time::timeout(Duration::from_millis(10), pool.lease())
            .await
            .is_err()
    );
    drop((first, second));
    pool.stop().await;
}

/// A connection that answers on a task of its own, counting the request in
/// its load meanwhile (`Context::hand_off`).
struct Offloader;

#[connection]
impl Offloader {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn later(
        &mut self,
        after: Duration,
        reply: connection::ReplyTo<()>,
        ctx: &mut Context<Self>,
    ) {
        let held = ctx.hand_off();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            drop(held);
            let _ = reply.send(());
        });
    }

    /// As `later`, through `Context::reply_from_task`.
    #[call]
    async fn on_task(
        &mut self,
        after: Duration,
        reply: connection::ReplyTo<Duration>,
        ctx: &mut Context<Self>,
    ) {
        ctx.reply_from_task(reply, async move {
            tokio::time::sleep(after).await;
            after
        });
    }
}

#[tokio::test(start_paused = true)]
async fn requests_handed_off_count_in_the_load_until_answered() {
    let client = Offloader.start().await.unwrap();
    let generic: &connection::Client<Offloader> = client.as_ref();
    // Before anyone asks, nothing is counted.
    client.later(Duration::ZERO).await.unwrap();
    assert_eq!(generic.load(), 0);

    let pending: Vec<_> = (1..=3)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.later(Duration::from_millis(10 * n)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(generic.load(), 3, "handed off, not answered");
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(generic.load(), 2);
    for request in pending {
        request.await.unwrap().unwrap();
    }
    assert_eq!(generic.load(), 0);

    // The same through `reply_from_task`: counted until answered, and the
    // connection takes the next request meanwhile.
    let pending: Vec<_> = (1..=3)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.on_task(Duration::from_millis(10 * n)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(generic.load(), 3);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(generic.load(), 2);
    for (n, request) in (1..=3).zip(pending) {
        assert_eq!(
            request.await.unwrap().unwrap(),
            Duration::from_millis(10 * n)
        );
    }
    assert_eq!(generic.load(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_large_pool_draws_two_members_and_still_finds_the_connected_ones() {
    let backends = Arc::new(Backends::default());
    // Past eight members the pool draws two rather than reading every one.
    let pool = pool_of(12, &backends).await;
    assert_eq!(answers(&pool, 1200).await.len(), 12);

    let down: Vec<usize> = (0..10).collect();
    take_down(&pool, &backends, &down).await;
    assert_eq!(pool.stats().connected, 2);
    let two = answers(&pool, 400).await;
    assert_eq!(two.len(), 2, "{two:?}");
    assert!(two.keys().all(|member| *member >= 10), "{two:?}");

    // A slow member among the twelve gets less than its share.
    backends.set_down(&[]);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(pool.stats().connected, 12);
    backends
        .slow
        .lock()
        .unwrap()
        .insert(0, Duration::from_millis(10));
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..24 {
        let pool = pool.clone();
        callers.spawn(async move {
            let mut slow = 0;
            for _ in 0..50 {
                if pool.client().await.unwrap().who().await.unwrap() == 0 {
                    slow += 1;
                }
            }
            slow
        });
    }
    let mut slow = 0;
    while let Some(caller) = callers.join_next().await {
        slow += caller.unwrap();
    }
    // Its share would be 100 of the 1,200.
    assert!(slow < 50, "the slow member got {slow} of 1,200 requests");
    pool.stop().await;
}

/// A member whose `init` fails from the `fail_from`-th one made.
struct Flaky {
    made: usize,
    fail_from: usize,
}

#[connection]
impl Flaky {
    #[init]
    async fn init(&mut self) -> connection::Init<()> {
        if self.made >= self.fail_from {
            connection::Init::Stop(connection::Stop::error("init refused"))
        } else {
            connection::Init::Ok
        }
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

fn flaky(fail_from: usize) -> impl Fn() -> Flaky + Send + Sync + 'static {
    let made = Arc::new(AtomicUsize::new(0));
    move || Flaky {
        made: made.fetch_add(1, Ordering::SeqCst),
        fail_from,
    }
}

#[tokio::test(start_paused = true)]
async fn a_member_whose_init_fails_fails_start_and_resize_with_its_error() {
    let error = Pool::builder(3, flaky(1)).start().await.unwrap_err();
    assert!(
        matches!(&error, PoolError::Start(connection::StartError::Stopped(_))),
        "{error:?}"
    );
    assert!(error.to_string().contains("init refused"), "{error}");

    // Two start; growing to four fails with the third's error, and keeps
    // the two.
    let pool = Pool::builder(2, flaky(2)).start().await.unwrap();
    let error = pool.resize(4).await.unwrap_err();
    assert!(matches!(error, PoolError::Start(_)), "{error:?}");
    assert_eq!(pool.stats().members, 2);
    assert!(pool.client().await.is_ok());
    pool.stop().await;
}

/// Requests in progress on each member of a [`Gauge`] pool: now, and the
/// most at once.
#[derive(Default)]
struct Gauges {
    next: AtomicUsize,
    each: Mutex<HashMap<usize, (usize, usize)>>,
    /// Members whose connects are refused.
    down: Mutex<Vec<usize>>,
}

/// A member that answers on a task of its own after a delay, so that it
/// holds any number of requests at once (as a pipelined link does), and
/// counts them.
struct Gauge {
    id: usize,
    gauges: Arc<Gauges>,
}

#[connection]
impl Gauge {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        if self.gauges.down.lock().unwrap().contains(&self.id) {
            return Connect::Backoff(Duration::from_secs(3600));
        }
        Connect::Ok
    }

    /// Drops the link; it reconnects unless the member is down.
    #[cast]
    async fn drop_link(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect(());
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::Connect(())
    }

    /// Answers with the member's number after `after`.
    #[call]
    async fn work(&mut self, after: Duration, reply: connection::ReplyTo<usize>) {
        let (id, gauges) = (self.id, self.gauges.clone());
        {
            let mut each = gauges.each.lock().unwrap();
            let (now, most) = each.entry(id).or_default();
            *now += 1;
            *most = (*most).max(*now);
        }
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            gauges.each.lock().unwrap().get_mut(&id).unwrap().0 -= 1;
            let _ = reply.send(id);
        });
    }
}

async fn capped_pool(size: usize, cap: usize, gauges: &Arc<Gauges>) -> Pool<Gauge> {
    let gauges = gauges.clone();
    Pool::builder(size, move || Gauge {
        id: gauges.next.fetch_add(1, Ordering::Relaxed),
        gauges: gauges.clone(),
    })
    .concurrency_per_member(cap)
    .wait(Duration::from_millis(500))
    .min_connected(size)
    .start()
    .await
    .unwrap()
}

/// `count` requests of `after` each, asked for in order: when each was
/// answered, by which member.
async fn in_order(pool: &Pool<Gauge>, count: usize, after: Duration) -> Vec<(Duration, usize)> {
    let started = Instant::now();
    let mut requests = Vec::new();
    for _ in 0..count {
        let pool = pool.clone();
        requests.push(tokio::spawn(async move {
            let member = pool.client().await.unwrap().work(after).await.unwrap();
            (started.elapsed(), member)
        }));
        // Each asks before the next is spawned.
        tokio::task::yield_now().await;
    }
    let mut answered = Vec::new();
    for request in requests {
        answered.push(request.await.unwrap());
    }
    answered
}

#[tokio::test(start_paused = true)]
async fn a_cap_per_member_bounds_its_requests_and_the_rest_wait_in_order() {
    let gauges = Arc::new(Gauges::default());
    let pool = capped_pool(2, 3, &gauges).await;
    let tick = Duration::from_millis(10);
    let answered = in_order(&pool, 20, tick).await;
    // Six at a time (3 on each of 2), first come first served: request i
    // is answered in round i / 6.
    for (index, (at, _)) in answered.iter().enumerate() {
        assert_eq!(*at, tick * (index / 6 + 1) as u32, "request {index}");
    }
    for (member, (now, most)) in gauges.each.lock().unwrap().iter() {
        assert_eq!((*now, *most), (0, 3), "member {member}");
    }
    assert_eq!(
        pool.stats()
            .each
            .iter()
            .map(|m| m.in_progress)
            .sum::<usize>(),
        0
    );

    // More members, more slots: two rounds of 12 for 24 requests.
    pool.resize(4).await.unwrap();
    let answered = in_order(&pool, 24, tick).await;
    assert_eq!(answered.iter().filter(|(at, _)| *at == tick).count(), 12);
    assert_eq!(
        answered.iter().filter(|(at, _)| *at == tick * 2).count(),
        12
    );
    // Fewer: one member of 3 slots (a member removed is drained first).
    pool.resize(1).await.unwrap();
    let answered = in_order(&pool, 6, tick).await;
    assert_eq!(answered.iter().filter(|(at, _)| *at == tick).count(), 3);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_request_past_the_cap_waits_then_fails_busy_and_try_client_at_once() {
    let gauges = Arc::new(Gauges::default());
    let pool = capped_pool(1, 1, &gauges).await;
    let holder = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let _held = pool
                .client()
                .await
                .unwrap()
                .work(Duration::from_secs(1))
                .await;
        })
    };
    tokio::task::yield_now().await;
    assert!(matches!(pool.try_client(), Err(PoolError::Busy { waited }) if waited.is_zero()));
    let started = Instant::now();
    match pool.client().await {
        Err(PoolError::Busy { waited }) => assert_eq!(waited, Duration::from_millis(500)),
        other => panic!("expected Busy, got {other:?}"),
    }
    assert_eq!(started.elapsed(), Duration::from_millis(500));
    holder.await.unwrap();
    // The slot is back.
    assert_eq!(
        pool.client()
            .await
            .unwrap()
            .work(Duration::ZERO)
            .await
            .unwrap(),
        0
    );
    pool.stop().await;
    assert!(matches!(pool.client().await, Err(PoolError::Stopped)));
}

#[tokio::test(start_paused = true)]
async fn requests_dropped_while_they_wait_for_the_cap_take_no_slot_with_them() {
    let gauges = Arc::new(Gauges::default());
    let pool = capped_pool(1, 2, &gauges).await;
    let tick = Duration::from_millis(10);
    let holders = {
        let pool = pool.clone();
        tokio::spawn(async move { in_order(&pool, 2, tick).await })
    };
    // Both slots taken, then 50 waiters come and are dropped at once.
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(pool.stats().each[0].in_progress, 2);
    let waiters: Vec<_> = (0..50)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let _ = pool.client().await.map(|chosen| chosen.member());
            })
        })
        .collect();
    tokio::task::yield_now().await;
    assert_eq!(pool.stats().waiting_requests, 50);
    for waiter in &waiters {
        waiter.abort();
    }
    for waiter in waiters {
        assert!(waiter.await.unwrap_err().is_cancelled());
    }
    assert_eq!(pool.stats().waiting_requests, 0);
    holders.await.unwrap();
    // Still two at a time: four requests take two rounds.
    let answered = in_order(&pool, 4, tick).await;
    let rounds: Vec<_> = answered.iter().map(|(at, _)| *at).collect();
    assert_eq!(rounds, [tick, tick, tick * 2, tick * 2]);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_leased_members_slots_leave_the_pool_until_the_lease_ends() {
    let gauges = Arc::new(Gauges::default());
    let pool = capped_pool(2, 1, &gauges).await;
    let tick = Duration::from_millis(10);
    let lease = pool.lease().await.unwrap();
    let requests = {
        let pool = pool.clone();
        tokio::spawn(async move { in_order(&pool, 3, tick).await })
    };
    tokio::time::sleep(Duration::from_millis(1)).await;
    // One in progress on the free member; the other two wait for a slot.
    assert_eq!(pool.stats().waiting_requests, 2);
    let answered = requests.await.unwrap();
    let rounds: Vec<_> = answered.iter().map(|(at, _)| *at).collect();
    assert_eq!(rounds, [tick, tick * 2, tick * 3]);
    assert!(answered.iter().all(|(_, member)| *member != lease.member()));
    drop(lease);
    tokio::task::yield_now().await;
    let answered = in_order(&pool, 2, tick).await;
    assert!(
        answered.iter().all(|(at, _)| *at == tick),
        "two members, two slots"
    );
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn with_a_member_down_a_request_holding_a_slot_waits_its_turn_for_the_other() {
    let gauges = Arc::new(Gauges::default());
    let pool = capped_pool(2, 1, &gauges).await;
    let tick = Duration::from_millis(10);
    // Member 1 down: its slot stays in the pool (it may come back any
    // moment), so a second request gets a slot but no member under its
    // cap: it waits for the first, and the third behind it.
    gauges.down.lock().unwrap().push(1);
    let leases = [pool.lease().await.unwrap(), pool.lease().await.unwrap()];
    let member_1 = leases.iter().find(|lease| lease.member() == 1).unwrap();
    member_1.drop_link().await.unwrap();
    drop(leases);
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(pool.stats().connected, 1);
    let answered = in_order(&pool, 3, tick).await;
    let rounds: Vec<_> = answered.iter().map(|(at, _)| *at).collect();
    assert_eq!(rounds, [tick, tick * 2, tick * 3]);
    assert!(answered.iter().all(|(_, member)| *member == 0));

    // Stalled past the wait, with a member up: busy, and the slot is back.
    let holder = {
        let pool = pool.clone();
        tokio::spawn(async move {
            pool.client()
                .await
                .unwrap()
                .work(Duration::from_secs(1))
                .await
        })
    };
    tokio::task::yield_now().await;
    assert!(matches!(pool.client().await, Err(PoolError::Busy { .. })));
    holder.await.unwrap().unwrap();
    // The slot that waited is back: two requests in one round again once
    // member 1 is up.
    gauges.down.lock().unwrap().clear();
    tokio::time::sleep(Duration::from_secs(3601)).await;
    assert_eq!(pool.stats().connected, 2);
    let answered = in_order(&pool, 2, tick).await;
    assert!(
        answered.iter().all(|(at, _)| *at == tick),
        "two members, two slots"
    );
    pool.stop().await;
}

/// Slots are neither lost nor made while leases come and go and the pool
/// grows and shrinks under load: afterwards exactly `cap` requests per
/// member are in progress at once, and the next one waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caps_slots_survive_leases_and_resizes_under_load() {
    let gauges = Arc::new(Gauges::default());
    let pool = capped_pool(3, 2, &gauges).await;
    let until = Instant::now() + Duration::from_millis(600);
    let mut load = tokio::task::JoinSet::new();
    for task in 0..64u64 {
        let pool = pool.clone();
        load.spawn(async move {
            let mut n = task;
            while Instant::now() < until {
                n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let after = Duration::from_micros(n >> 54);
                match pool.client().await {
                    Ok(chosen) => {
                        chosen.work(after).await.unwrap();
                    }
                    Err(PoolError::Busy { .. }) => {}
                    Err(other) => panic!("{other:?}"),
                }
            }
        });
    }
    let churn = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut size = 3;
            while Instant::now() < until {
                if let Ok(lease) = pool.lease().await {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    drop(lease);
                }
                size = size % 4 + 1;
                pool.resize(size).await.unwrap();
            }
            pool.resize(3).await.unwrap();
        })
    };
    while load.join_next().await.transpose().unwrap().is_some() {}
    churn.await.unwrap();
    // Returned leases give their slots back from the return path: let it run.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let stats = pool.stats();
    assert_eq!((stats.members, stats.connected, stats.leased), (3, 3, 0));
    assert_eq!(stats.each.iter().map(|m| m.in_progress).sum::<usize>(), 0);
    assert_eq!(stats.waiting_requests, 0);

    // Exactly 6 at once: 7 long requests, and the seventh waits.
    let long: Vec<_> = (0..7)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let _ = pool.client().await?.work(Duration::from_millis(300)).await;
                Ok::<_, PoolError>(())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stats = pool.stats();
    assert_eq!(stats.each.iter().map(|m| m.in_progress).sum::<usize>(), 6);
    assert_eq!(stats.waiting_requests, 1);
    for request in long {
        request.await.unwrap().unwrap();
    }
    pool.stop().await;
}

/// Members that fail their connect for good (a wrong password) while the
/// test says the server is locked; each one's start is timed.
#[derive(Default)]
struct Locked {
    locked: AtomicBool,
    starts: Mutex<Vec<Instant>>,
}

struct Guarded {
    id: usize,
    server: Arc<Locked>,
}

#[connection]
impl Guarded {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        if self.server.locked.load(Ordering::Relaxed) {
            return Connect::Stop(connection::Stop::error("password authentication failed"));
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::Connect(())
    }

    /// Which member answered.
    #[call]
    async fn who(&mut self) -> usize {
        self.id
    }

    /// Stops the member with an error.
    #[cast]
    async fn fail(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(connection::Stop::error("failed on purpose"));
    }
}

/// A pool of one `Guarded` member that is never restarted in place (every
/// stop is past the limit of 0 restarts), replaced after 1, 2, then 4
/// seconds, and then no more.
async fn guarded_pool(server: &Arc<Locked>) -> Pool<Guarded> {
    let factory = {
        let server = server.clone();
        move || {
            let mut starts = server.starts.lock().unwrap();
            starts.push(Instant::now());
            Guarded {
                id: starts.len() - 1,
                server: server.clone(),
            }
        }
    };
    let secs = Duration::from_secs;
    Pool::builder(1, factory)
        .restart(
            connection::RestartPolicy::new(connection::Restart::Permanent)
                .max_restarts(0, secs(60))
                .backoff(move || Backoff::from_fn(move || [secs(1), secs(2), secs(4)].into_iter())),
        )
        .min_connected(0)
        .fail_fast()
        .start()
        .await
        .unwrap()
}

/// A server that refuses every member until told otherwise.
fn locked_server() -> Arc<Locked> {
    let server = Arc::new(Locked::default());
    server.locked.store(true, Ordering::Relaxed);
    server
}

/// When each member started, in seconds after the first.
fn starts(server: &Locked) -> Vec<u64> {
    let starts = server.starts.lock().unwrap();
    starts
        .iter()
        .map(|at| at.duration_since(starts[0]).as_secs())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_member_stopped_for_good_is_replaced_in_its_place_after_the_restart_backoff() {
    let server = locked_server();
    let pool = guarded_pool(&server).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    match pool.client().await {
        Err(PoolError::NoneConnected {
            cause: Some(cause), ..
        }) => {
            assert!(cause.to_string().contains("password"), "{cause}");
        }
        other => panic!("expected NoneConnected, got {:?}", other.map(|_| ())),
    }

    // Replaced after 1 s, then 2 s more: the delays go on while each
    // replacement fails in turn, not from the first again.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(starts(&server), [0, 1, 3]);
    assert_eq!(pool.stats().members, 1);

    // The server lets them in: the next replacement (4 s more) connects,
    // and takes requests in the member's place.
    server.locked.store(false, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(starts(&server), [0, 1, 3, 7]);
    assert_eq!(pool.client().await.unwrap().who().await.unwrap(), 3);
    let stats = pool.stats();
    assert_eq!((stats.members, stats.connected), (1, 1), "{stats:?}");

    // A member that was connected starts the delays anew: replaced after
    // 1 s, though the policy's three delays were spent.
    pool.client().await.unwrap().fail().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(starts(&server), [0, 1, 3, 7, 8]);
    assert_eq!(pool.client().await.unwrap().who().await.unwrap(), 4);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn replacements_end_when_the_backoff_runs_out_or_the_pool_stops() {
    let server = locked_server();
    let pool = guarded_pool(&server).await;
    tokio::time::sleep(Duration::from_secs(600)).await;
    // 1, 2 and 4 seconds, then the policy ran out: no replacement loop.
    assert_eq!(starts(&server), [0, 1, 3, 7]);
    pool.stop().await;

    let server = locked_server();
    let pool = guarded_pool(&server).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    pool.stop().await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(starts(&server), [0]);

    // Nor once every handle to the pool is gone: no task is left waiting
    // to replace its members.
    let server = locked_server();
    drop(guarded_pool(&server).await);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        0
    );
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(starts(&server), [0]);
}

#[tokio::test(start_paused = true)]
async fn a_member_resize_took_out_is_not_replaced_again() {
    let server = locked_server();
    let pool = guarded_pool(&server).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // `resize` replaces the stopped member itself, at once.
    server.locked.store(false, Ordering::Relaxed);
    pool.resize(1).await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(starts(&server), [0, 0]);
    let stats = pool.stats();
    assert_eq!((stats.members, stats.connected), (1, 1), "{stats:?}");
    pool.stop().await;
}

/// A pool of `size` whose members are renewed after `lifetime`.
async fn renewed_pool(size: usize, lifetime: Duration, backends: &Arc<Backends>) -> Pool<Backend> {
    Pool::builder(size, Backend::factory(backends))
        .options(options())
        .min_connected(size)
        .max_lifetime(lifetime)
        .start()
        .await
        .unwrap()
}

/// Asks `who` every 10 ms until `until`, each call checked; returns the
/// members that answered.
async fn ask_until(pool: &Pool<Backend>, until: Instant) -> Vec<usize> {
    let mut seen = Vec::new();
    while Instant::now() < until {
        let member = pool.client().await.unwrap().who().await.unwrap();
        if !seen.contains(&member) {
            seen.push(member);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    seen
}

#[tokio::test(start_paused = true)]
async fn members_are_renewed_in_the_last_eighth_of_their_lifetime_and_no_request_fails() {
    let backends = Arc::new(Backends::default());
    let started = Instant::now();
    let pool = renewed_pool(4, Duration::from_secs(80), &backends).await;
    let lifetime_ends = started + Duration::from_secs(80);

    // Up to 7/8 of the lifetime: the first members, and only them.
    let before = ask_until(&pool, started + Duration::from_secs(69)).await;
    assert_eq!(backends.next.load(Ordering::Relaxed), 4);
    let mut first = before.clone();
    first.sort_unstable();
    assert_eq!(first, [0, 1, 2, 3]);

    // Through the last eighth, every call answered; past it, new members
    // only, as many as before, all connected.
    let during = ask_until(&pool, lifetime_ends + Duration::from_millis(500)).await;
    assert!(during.iter().any(|member| *member >= 4), "{during:?}");
    let after = ask_until(&pool, lifetime_ends + Duration::from_secs(1)).await;
    assert!(
        after.iter().all(|member| (4..8).contains(member)),
        "{after:?}"
    );
    let stats = pool.stats();
    assert_eq!((stats.members, stats.connected), (4, 4));
    assert_eq!(backends.next.load(Ordering::Relaxed), 8);

    // And the renewed ones are renewed in turn.
    tokio::time::sleep(Duration::from_secs(80)).await;
    assert_eq!(backends.next.load(Ordering::Relaxed), 12);
    assert_eq!(pool.stats().connected, 4);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_member_whose_renewal_cannot_connect_serves_on_until_it_can() {
    let backends = Arc::new(Backends::default());
    // Member 1, the renewal of member 0, is refused until let in.
    backends.set_down(&[1]);
    let started = Instant::now();
    let pool = renewed_pool(1, Duration::from_secs(60), &backends).await;

    let served = ask_until(&pool, started + Duration::from_secs(90)).await;
    assert_eq!(served, [0], "the old member served on, every call answered");
    assert!(backends.refused.load(Ordering::Relaxed) > 0);
    assert_eq!(pool.stats().members, 1);

    backends.set_down(&[]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let renewed = ask_until(&pool, Instant::now() + Duration::from_millis(100)).await;
    assert_eq!(renewed, [1]);
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_leased_member_serves_its_holder_past_its_lifetime_then_stops() {
    let backends = Arc::new(Backends::default());
    let pool = renewed_pool(2, Duration::from_secs(60), &backends).await;
    let lease = pool.lease().await.unwrap();
    let leased = lease.member();
    let held = lease.client().clone();

    tokio::time::sleep(Duration::from_secs(61)).await;
    // The others are routed to the renewals; the holder still has its own.
    let routed = answers(&pool, 50).await;
    assert!(routed.keys().all(|member| *member >= 2), "{routed:?}");
    assert_eq!(lease.who().await.unwrap(), leased);
    assert_eq!(pool.stats().members, 2);

    drop(lease);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(
        !held.is_alive(),
        "the renewed member stopped once given back"
    );
    // Its lease place went to the member in its place.
    let (first, second) = (pool.lease().await.unwrap(), pool.lease().await.unwrap());
    assert!(first.member() >= 2 && second.member() >= 2);
    drop((first, second));
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_stopped_or_shrunk_pool_renews_nothing() {
    let backends = Arc::new(Backends::default());
    let pool = renewed_pool(2, Duration::from_secs(60), &backends).await;
    pool.resize(1).await.unwrap();
    tokio::time::sleep(Duration::from_secs(61)).await;
    // The member left renewed once; the one removed not at all.
    assert_eq!(backends.next.load(Ordering::Relaxed), 3);
    pool.stop().await;
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(backends.next.load(Ordering::Relaxed), 3);
}

#[tokio::test(start_paused = true)]
async fn a_renewal_waiting_for_its_link_is_stopped_with_the_pool() {
    let backends = Arc::new(Backends::default());
    backends.set_down(&[1]);
    let pool = renewed_pool(1, Duration::from_secs(60), &backends).await;
    tokio::time::sleep(Duration::from_secs(65)).await;
    assert!(
        backends.refused.load(Ordering::Relaxed) > 0,
        "the renewal tries"
    );
    pool.stop().await;
    // Within the renewal's next look at the pool, it stops trying.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let refused = backends.refused.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(backends.refused.load(Ordering::Relaxed), refused);
}

#[tokio::test(start_paused = true)]
async fn renewals_under_a_cap_keep_its_slots_whole() {
    let gauges = Arc::new(Gauges::default());
    let factory_gauges = gauges.clone();
    let pool = Pool::builder(2, move || Gauge {
        id: factory_gauges.next.fetch_add(1, Ordering::Relaxed),
        gauges: factory_gauges.clone(),
    })
    .concurrency_per_member(3)
    .wait(Duration::from_secs(5))
    .min_connected(2)
    .max_lifetime(Duration::from_secs(60))
    .start()
    .await
    .unwrap();
    // Rounds of 6 requests of 3 s each, through both renewals: every round
    // is answered at once, 6 slots being there all along.
    let tick = Duration::from_secs(3);
    for round in 0..25 {
        let answered = in_order(&pool, 6, tick).await;
        assert!(
            answered.iter().all(|(at, _)| *at == tick),
            "round {round}: {answered:?}"
        );
    }
    assert_eq!(gauges.next.load(Ordering::Relaxed), 4, "both renewed");
    for (member, (now, most)) in gauges.each.lock().unwrap().iter() {
        assert_eq!(*now, 0, "member {member}");
        assert!(*most <= 3, "member {member} had {most} at once");
    }
    // Six slots, not more: 12 requests in two rounds of 6, on the renewals.
    let tick = Duration::from_millis(10);
    let answered = in_order(&pool, 12, tick).await;
    assert_eq!(answered.iter().filter(|(at, _)| *at == tick).count(), 6);
    assert!(answered.iter().all(|(_, member)| *member >= 2));
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_member_renewed_while_a_request_holds_it_answers_that_request_first() {
    let backends = Arc::new(Backends::default());
    let pool = Pool::builder(1, Backend::factory(&backends))
        .options(options().shutdown_timeout(Duration::from_secs(60)))
        .max_lifetime(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    // Chosen before the renewal, sent after it took the member's place.
    let chosen = pool.client().await.unwrap();
    let old = chosen.client();
    tokio::time::sleep(Duration::from_secs(61)).await;
    assert_eq!(answers(&pool, 10).await.keys().collect::<Vec<_>>(), [&1]);
    assert_eq!(pool.stats().each[0].in_progress, 0);
    assert_eq!(
        chosen.who().await.unwrap(),
        0,
        "the old member waited for it"
    );
    drop(chosen);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(!old.is_alive(), "and stopped once it was done");
    pool.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_dropped_pool_leaves_no_renewal_timer_behind() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let backends = Arc::new(Backends::default());
    let pool = renewed_pool(4, Duration::from_secs(3600), &backends).await;
    assert!(metrics.num_alive_tasks() > before);
    drop(pool);
    // The members stop as their last client goes; every task of theirs and
    // of the pool's ends with them, long before the hour.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(metrics.num_alive_tasks(), before);
    assert_eq!(backends.next.load(Ordering::Relaxed), 4);
}

/// A member whose connects never finish: a host that drops packets.
struct BlackHoled;

#[connection]
impl BlackHoled {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        std::future::pending().await
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn ping(&mut self) {}
}

#[tokio::test(start_paused = true)]
async fn members_that_never_connect_are_given_up_on_at_the_connect_timeout_and_said_why() {
    let options = Options::default()
        .connect_timeout(Duration::from_millis(500))
        .backoff(|| Backoff::from_fn(|| std::iter::repeat(Duration::from_millis(100))));
    let started = Instant::now();
    let error = Pool::builder(2, || BlackHoled)
        .options(options)
        .wait(Duration::from_secs(1))
        .start()
        .await
        .unwrap_err();
    // The start waited its second for a member to connect (and stopped
    // them), and says why none did.
    assert!(started.elapsed() < Duration::from_secs(2), "{error:?}");
    let PoolError::NoneConnected { waited, cause } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*waited, Duration::from_secs(1));
    let cause = cause.as_ref().expect("a member said why").to_string();
    assert_eq!(cause, "connect did not finish within 500ms");
}
