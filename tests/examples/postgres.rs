//! The PostgreSQL example against a real server: a private cluster per test
//! (`initdb` into a temporary directory, a free loopback port, `fsync=off`),
//! stopped at the end. Ignored by default (they need PostgreSQL); `.ci/run`
//! installs the Debian package and runs them with `--include-ignored`.

#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/postgres/postgres.rs"]
mod example;
#[allow(dead_code, unreachable_pub)]
#[path = "../support/postgres_server.rs"]
mod postgres_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use connection::pool::{Pool, PoolBuilder, PoolError};
use tokio::task::JoinSet;

use self::example::{DbError, Param, Postgres, User};
use self::postgres_server::PgServer;

const CALL_TIMEOUT: Duration = Duration::from_secs(3);

fn config(url: &str) -> tokio_postgres::Config {
    url.parse().unwrap()
}

/// The example's pool of `size` over `url`, waiting for every member.
async fn pool(url: &str, size: usize) -> Result<Pool<Postgres>, PoolError> {
    builder(url, size).start().await
}

fn builder(url: &str, size: usize) -> PoolBuilder<Postgres> {
    let config = config(url);
    let options = Postgres::options().call_timeout(CALL_TIMEOUT);
    Postgres::pool(config, size, Duration::from_secs(2))
        .options(options)
        .min_connected(size)
        .wait(CALL_TIMEOUT)
}

async fn with_users(server: &PgServer, size: usize) -> Pool<Postgres> {
    server.create_users(1000).await;
    pool(&server.url(), size).await.unwrap()
}

fn expected(id: i32) -> User {
    User {
        id,
        name: format!("user {id}"),
        email: Some(format!("user{id}@example.com")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn every_typed_call_round_trips() {
    let server = PgServer::start();
    let pool = with_users(&server, 2).await;
    let db = pool.client().await.unwrap();
    assert_eq!(db.user(7).await.unwrap(), Some(expected(7)));
    assert_eq!(db.user(-1).await.unwrap(), None);
    let id = db
        .insert_user("ada".into(), Some("ada@example.com".into()))
        .await
        .unwrap();
    assert_eq!(id, 1001);
    assert_eq!(db.user(id).await.unwrap().unwrap().name, "ada");
    let rows = db
        .query(
            "SELECT count(*) FROM users WHERE id <= $1".into(),
            vec![Box::new(10i32) as Param],
        )
        .await
        .unwrap();
    assert_eq!(rows[0].get::<_, i64>(0), 10);

    // The server's error, not sent again blindly: it did not run.
    let error = db.execute("SELEC 1".into()).await.unwrap_err();
    assert!(matches!(error, DbError::Db(_)), "{error:?}");
    assert!(!error.may_have_run());
    assert!(error.to_string().contains("syntax error"), "{error}");
    pool.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_query_past_its_timeout_fails_as_may_have_run_and_the_server_cancels_it() {
    let server = PgServer::start();
    let pool = with_users(&server, 1).await;
    let db = pool.client().await.unwrap();

    let backend = backend_pid(&db).await;
    // The query timeout (2 s) comes before the call's (3 s).
    let error = db
        .query("SELECT pg_sleep(30)".into(), Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(error, DbError::Timeout(_)), "{error:?}");
    assert!(error.may_have_run());

    // Asked to cancel: the backend is not still sleeping 30 s. Watched over
    // a session of its own, not the pool's link.
    let (watch, driver) = config(&server.url())
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(driver);
    let sleeping = "SELECT count(*) FROM pg_stat_activity \
                    WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'";
    let started = Instant::now();
    while watch
        .query_one(sleeping, &[])
        .await
        .unwrap()
        .get::<_, i64>(0)
        > 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the timed-out query still runs on the server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The link is fine: it answered the ping after the cancel, so it is
    // kept (the same backend) and the next statement on it is answered.
    assert_eq!(db.user(3).await.unwrap(), Some(expected(3)));
    assert_eq!(backend_pid(&db).await, backend);
    drop(db);
    pool.stop().await;
}

/// The process id of the backend behind `db`'s link.
async fn backend_pid(db: &example::PostgresClient) -> i32 {
    let rows = db
        .query("SELECT pg_backend_pid()".into(), Vec::new())
        .await
        .unwrap();
    rows[0].get(0)
}

/// A backend stopped with `SIGSTOP`, resumed when dropped (a stopped
/// backend would keep the server from shutting down).
struct StoppedBackend(i32);

impl StoppedBackend {
    fn stop(pid: i32) -> Self {
        let status = std::process::Command::new("kill")
            .args(["-STOP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -STOP {pid}");
        StoppedBackend(pid)
    }
}

impl Drop for StoppedBackend {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-CONT", &self.0.to_string()])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_backend_that_stops_answering_while_idle_is_replaced_before_a_caller_meets_it() {
    let server = PgServer::start();
    server.create_users(10).await;
    // Pinged after a second idle (15 s in the example's options).
    let options = Postgres::options()
        .call_timeout(CALL_TIMEOUT)
        .idle_timeout(Duration::from_secs(1));
    let pool = builder(&server.url(), 1)
        .options(options)
        .start()
        .await
        .unwrap();
    let db = pool.client().await.unwrap();
    let backend = backend_pid(&db).await;
    let _stopped = StoppedBackend::stop(backend);

    // No call is made: the idle ping goes unanswered and the link is
    // replaced. Watched over a session of its own for the new backend.
    let (watch, driver) = config(&server.url())
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(driver);
    let others = "SELECT count(*) FROM pg_stat_activity \
                  WHERE backend_type = 'client backend' \
                  AND pid <> pg_backend_pid() AND pid <> $1";
    let started = Instant::now();
    while watch
        .query_one(others, &[&backend])
        .await
        .unwrap()
        .get::<_, i64>(0)
        == 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no new backend: the idle link was not found"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The next caller is answered by the new backend, within the query
    // timeout (before the idle ping, it met the stopped one and timed out).
    let asked = Instant::now();
    assert_eq!(db.user(3).await.unwrap(), Some(expected(3)));
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    assert_ne!(backend_pid(&db).await, backend);
    drop(db);
    pool.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_backend_that_stops_answering_is_dropped_and_replaced() {
    let server = PgServer::start();
    let pool = with_users(&server, 1).await;
    let db = pool.client().await.unwrap();
    let backend = backend_pid(&db).await;

    // The link stays open (the kernel answers for the stopped process):
    // only the missing answers tell.
    let _stopped = StoppedBackend::stop(backend);
    let error = db.user(1).await.unwrap_err();
    assert!(matches!(error, DbError::Timeout(_)), "{error:?}");

    // The ping after the cancel goes unanswered too: the link is dropped and
    // the next one is a new backend. Requests meanwhile wait for it.
    let started = Instant::now();
    loop {
        match db.query("SELECT pg_backend_pid()".into(), Vec::new()).await {
            Ok(rows) if rows[0].get::<_, i32>(0) != backend => break,
            result => assert!(
                started.elapsed() < Duration::from_secs(15),
                "still on the stopped backend: {result:?}"
            ),
        }
    }
    assert_eq!(db.user(3).await.unwrap(), Some(expected(3)));
    drop(db);
    pool.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_transaction_commits_on_a_lease_and_rolls_back_when_dropped() {
    let server = PgServer::start();
    let pool = with_users(&server, 2).await;

    let tx = pool.lease().await.unwrap();
    tx.execute("BEGIN".into()).await.unwrap();
    let kept = tx.insert_user("kept".into(), None).await.unwrap();
    tx.execute("COMMIT".into()).await.unwrap();
    drop(tx);

    let tx = pool.lease().await.unwrap();
    let member = tx.member();
    tx.execute("BEGIN".into()).await.unwrap();
    let dropped = tx.insert_user("dropped".into(), None).await.unwrap();
    drop(tx);

    // Every member, the one that held the transaction included, sees the
    // first and not the second.
    for _ in 0..2 {
        let lease = pool.lease().await.unwrap();
        assert!(lease.user(kept).await.unwrap().is_some());
        assert_eq!(lease.user(dropped).await.unwrap(), None, "member {member}");
    }
    pool.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_transaction_a_statement_failed_in_is_rolled_back_when_its_lease_is_dropped() {
    let server = PgServer::start();
    // One member: the request after the lease runs on the session that held
    // the failed transaction.
    let pool = with_users(&server, 1).await;

    let tx = pool.lease().await.unwrap();
    tx.execute("BEGIN".into()).await.unwrap();
    let written = tx.insert_user("half done".into(), None).await.unwrap();
    let failed = tx.execute("SELEC 1".into()).await.unwrap_err();
    assert!(!failed.may_have_run(), "{failed}");
    // The server refuses the session anything but the end of the
    // transaction now.
    let refused = tx.user(written).await.unwrap_err();
    assert!(refused.to_string().contains("aborted"), "{refused}");
    drop(tx);

    let db = pool.client().await.unwrap();
    assert_eq!(db.user(written).await.unwrap(), None);
    assert_eq!(db.user(1).await.unwrap(), Some(expected(1)));
    drop(db);
    pool.stop().await;
}

/// 1,000 callers through a pool of 4, each making calls while `more(round)`,
/// each result checked; counts in `failed` the calls lost with their link,
/// and returns the longest call.
async fn thousand_callers(
    pool: &Pool<Postgres>,
    more: impl Fn(usize) -> bool + Copy + Send + 'static,
    failed: Arc<AtomicU64>,
) -> Duration {
    let mut callers = JoinSet::new();
    for caller in 0..1000i32 {
        let pool = pool.clone();
        let failed = failed.clone();
        callers.spawn(async move {
            let mut longest = Duration::ZERO;
            let mut round = 0;
            while more(round) {
                round += 1;
                let id = (caller * 7 + round as i32) % 1000 + 1;
                let started = Instant::now();
                let result = match pool.client().await {
                    Ok(db) => db.user(id).await,
                    Err(error) => panic!("caller {caller}: no member: {error}"),
                };
                longest = longest.max(started.elapsed());
                match result {
                    Ok(user) => assert_eq!(user, Some(expected(id)), "caller {caller}"),
                    Err(DbError::Lost(_)) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => panic!("caller {caller}: {error:?}"),
                }
            }
            longest
        });
    }
    let mut longest = Duration::ZERO;
    while let Some(caller) = callers.join_next().await {
        longest = longest.max(caller.unwrap());
    }
    longest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_thousand_callers_through_a_pool_of_four() {
    let server = PgServer::start();
    let pool = with_users(&server, 4).await;
    let failed = Arc::new(AtomicU64::new(0));
    thousand_callers(&pool, |round| round < 5, failed.clone()).await;
    assert_eq!(failed.load(Ordering::Relaxed), 0);
    let stats = pool.stats();
    assert_eq!(stats.connected, 4);
    pool.stop().await;
}

/// Members renewed every second or so (`max_lifetime`), under 1,000
/// callers: each backend's session replaced by a new one while the callers
/// go on, and no call fails for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn members_renewed_under_a_thousand_callers_fail_no_call() {
    let server = PgServer::start();
    server.create_users(1000).await;
    let pool = builder(&server.url(), 4)
        .max_lifetime(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let failed = Arc::new(AtomicU64::new(0));
    // Calls for 2.5 s: each member renewed twice meanwhile.
    let until = Instant::now() + Duration::from_millis(2500);
    thousand_callers(&pool, move |_| Instant::now() < until, failed.clone()).await;
    assert_eq!(failed.load(Ordering::Relaxed), 0, "a call lost its link");
    let stats = pool.stats();
    assert_eq!(stats.connected, 4);
    assert!(stats.each.iter().all(|member| member.id >= 8), "{stats:?}");
    pool.stop().await;
}

/// The same with at most 3 statements in progress on each backend: the
/// other callers wait in the pool, and each statement's slot is held until
/// its task answers; every caller is answered, none fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_thousand_callers_through_a_pool_of_four_capped_at_three_each() {
    let server = PgServer::start();
    server.create_users(1000).await;
    let pool = builder(&server.url(), 4)
        .concurrency_per_member(3)
        .start()
        .await
        .unwrap();
    let most = Arc::new(AtomicU64::new(0));
    let watching = {
        let (pool, most) = (pool.clone(), most.clone());
        tokio::spawn(async move {
            loop {
                for member in pool.stats().each {
                    most.fetch_max(member.in_progress as u64, Ordering::Relaxed);
                    assert!(member.in_progress <= 3, "{member:?}");
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    let failed = Arc::new(AtomicU64::new(0));
    thousand_callers(&pool, |round| round < 5, failed.clone()).await;
    watching.abort();
    assert_eq!(failed.load(Ordering::Relaxed), 0);
    assert_eq!(most.load(Ordering::Relaxed), 3, "the cap was reached");
    let stats = pool.stats();
    assert_eq!((stats.connected, stats.waiting_requests), (4, 0));
    assert!(stats.each.iter().all(|member| member.in_progress == 0));
    pool.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn every_backend_terminated_mid_run_costs_no_hang_and_no_stale_statement() {
    let server = Arc::new(PgServer::start());
    let pool = with_users(&server, 4).await;
    let failed = Arc::new(AtomicU64::new(0));
    // The callers run from 0.3 s before the termination to 1.2 s after it.
    static UNTIL: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    UNTIL
        .set(Instant::now() + Duration::from_millis(1500))
        .unwrap();
    let run = {
        let (pool, failed) = (pool.clone(), failed.clone());
        tokio::spawn(async move {
            thousand_callers(
                &pool,
                |_| Instant::now() < UNTIL.get().copied().unwrap(),
                failed,
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let terminated = server.terminate_backends().await;
    assert!(terminated >= 4, "terminated {terminated}");
    let longest = run.await.unwrap();
    // Every caller answered within its timeout (plus scheduling); only the
    // calls out on a terminated backend failed.
    assert!(longest < CALL_TIMEOUT * 2, "a call took {longest:?}");
    assert!(
        failed.load(Ordering::Relaxed) > 0,
        "the termination was not met"
    );
    // Every member back, and later calls succeed, their statements prepared
    // again on the new links (a stale one would be the server's error).
    let deadline = Instant::now() + Duration::from_secs(3);
    while pool.stats().connected < 4 {
        assert!(Instant::now() < deadline, "{:?}", pool.stats());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for id in 1..=20 {
        assert_eq!(
            pool.client().await.unwrap().user(id).await.unwrap(),
            Some(expected(id))
        );
    }
    pool.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_server_restart_and_two_seconds_down_are_ridden_out() {
    let server = Arc::new(PgServer::start());
    let pool = with_users(&server, 4).await;

    // Restarted at once (as a crash): every member reconnects.
    tokio::task::spawn_blocking({
        let server = server.clone();
        move || server.restart()
    })
    .await
    .unwrap();
    for id in 1..=8 {
        let answer = pool.client().await.unwrap().user(id).await;
        // A member may learn of the restart from this very call.
        assert!(
            matches!(&answer, Ok(Some(user)) if *user == expected(id))
                || matches!(&answer, Err(DbError::Lost(_))),
            "{answer:?}"
        );
    }

    // Down for 2 s: requests made meanwhile are held, not failed.
    tokio::task::spawn_blocking({
        let server = server.clone();
        move || server.stop()
    })
    .await
    .unwrap();
    let started = Instant::now();
    let waiting: Vec<_> = (1..=20)
        .map(|id| {
            let pool = pool.clone();
            tokio::spawn(async move {
                // Wait for the members to see the server gone.
                tokio::time::sleep(Duration::from_millis(200)).await;
                let db = pool.client().await?;
                Ok::<_, PoolError>(db.user(id).await)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    tokio::task::spawn_blocking({
        let server = server.clone();
        move || server.start_again()
    })
    .await
    .unwrap();
    for (id, request) in (1..=20).zip(waiting) {
        match request.await.unwrap() {
            Ok(Ok(user)) => assert_eq!(user, Some(expected(id))),
            // Sent just as the server went down.
            Ok(Err(DbError::Lost(_))) => {}
            other => panic!("request {id}: {other:?}"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(2) + CALL_TIMEOUT);
    let deadline = Instant::now() + Duration::from_secs(3);
    while pool.stats().connected < 4 {
        assert!(Instant::now() < deadline, "{:?}", pool.stats());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        pool.client().await.unwrap().user(3).await.unwrap(),
        Some(expected(3))
    );
    pool.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_wrong_password_fails_fast_with_the_servers_message() {
    let server = PgServer::start();
    let started = Instant::now();
    let error = pool(&server.url_with_password("wrong"), 2)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < CALL_TIMEOUT,
        "took {:?}: the wait, not the server's answer",
        started.elapsed()
    );
    let message = error.to_string();
    assert!(
        message.contains("password authentication failed"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_pool_refused_by_a_rotated_password_comes_back_once_the_password_is_right() {
    let server = PgServer::start();
    // The pool has the new password before the server does.
    let pool = builder(&server.url_with_password("rotated"), 2)
        .min_connected(0)
        .fail_fast()
        .start()
        .await
        .unwrap();
    // Until every member has stopped for good (past the restart limit):
    // what only a `resize` undid before.
    let deadline = Instant::now() + Duration::from_secs(10);
    while pool.stats().each.iter().any(|member| member.alive) {
        assert!(Instant::now() < deadline, "{:?}", pool.stats());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let refused = pool.client().await.map(|_| ()).unwrap_err().to_string();
    assert!(
        refused.contains("password authentication failed"),
        "{refused}"
    );

    // They are replaced after the restart policy's backoff: once the server
    // takes the password, the pool is back, with no resize.
    server.set_password("rotated").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match pool.client().await {
            Ok(db) => {
                db.execute("SELECT 1".into()).await.unwrap();
                break;
            }
            Err(error) if Instant::now() < deadline => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => panic!("not back within 20 s: {error}"),
        }
    }
    let stats = pool.stats();
    assert_eq!(stats.members, 2, "{stats:?}");
    pool.stop().await;
}
