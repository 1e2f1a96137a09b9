//! The Redis example against a real `redis-server`, started by each test on
//! a free loopback port with no persistence. Ignored by default (they need
//! the binary); `.ci/run` installs it and runs them with `--include-ignored`.

#[path = "../support/black_hole.rs"]
mod black_hole;
#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/redis/redis.rs"]
mod example;
#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/redis/resp.rs"]
mod resp;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use connection::pipeline::LinkError;
use connection::pool::{Pool, PoolError};
use connection::{Backoff, CallError, Options};

use self::black_hole::Proxy;
use self::example::{Redis, RedisClient, RedisError};
use self::resp::Value;

/// A `redis-server` child process, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start() -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        Server::start_on(port)
    }

    fn start_on(port: u16) -> Server {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (the Debian package `redis-server`)");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, addr }
    }

    fn kill(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.addr.port()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn client(server: &Server) -> RedisClient {
    let ms = Duration::from_millis;
    let options = Options::default()
        .call_timeout(Duration::from_secs(1))
        .backoff(move || Backoff::exp(ms(20), ms(200)).unwrap());
    Redis::new(server.addr).start_with(options).await.unwrap()
}

#[tokio::test]
#[ignore = "needs redis-server"]
async fn round_trips() {
    let server = Server::start();
    let client = client(&server).await;
    assert_eq!(client.ping().await.unwrap(), "PONG");
    assert_eq!(client.get("missing".into()).await.unwrap(), None);
    client
        .set("key".into(), b"value".into(), None)
        .await
        .unwrap();
    assert_eq!(
        client.get("key".into()).await.unwrap().as_deref(),
        Some(&b"value"[..])
    );
    assert_eq!(client.incr("n".into()).await.unwrap(), 1);
    assert_eq!(client.incr("n".into()).await.unwrap(), 2);
    assert_eq!(client.del("key".into()).await.unwrap(), 1);
    assert_eq!(client.del("key".into()).await.unwrap(), 0);
    let error = client.incr("n-is-text".into()).await;
    assert_eq!(error.unwrap(), 1);
    client
        .set("text".into(), b"abc".into(), None)
        .await
        .unwrap();
    let error = client.incr("text".into()).await.unwrap_err();
    assert!(
        matches!(&error, RedisError::Reply(Value::Error(message)) if message.starts_with("ERR")),
        "{error:?}"
    );
    client
        .set("brief".into(), b"x".into(), Some(Duration::from_millis(50)))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(client.get("brief".into()).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server"]
async fn ten_thousand_pipelined_commands_from_a_hundred_callers() {
    let server = Server::start();
    let client = client(&server).await;
    let callers: Vec<_> = (0..100)
        .map(|caller| {
            let client = client.clone();
            tokio::spawn(async move {
                let key = format!("counter-{caller}");
                for expected in 1..=100 {
                    // Each caller's replies come back in its own order.
                    assert_eq!(client.incr(key.as_str().into()).await.unwrap(), expected);
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    for caller in 0..100 {
        let value = client
            .get(format!("counter-{caller}").into())
            .await
            .unwrap();
        assert_eq!(value.as_deref(), Some(&b"100"[..]));
    }
}

/// Kills the server 700 ms into the callers' run and starts it again on its
/// port 500 ms later; then what the callers counted, added up: answered and
/// failed.
///
/// Killing and restarting the server block (they wait for the process and
/// the port): off the runtime, so that the connection keeps sending while
/// the server dies. Blocking a worker here could stall the connection's
/// task long enough for the server to answer everything before it died.
async fn restart_while_callers_run(
    server: Server,
    callers: Vec<tokio::task::JoinHandle<(u32, u32)>>,
) -> (Server, u32, u32) {
    tokio::time::sleep(Duration::from_millis(700)).await;
    let port = tokio::task::spawn_blocking(move || server.kill())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let server = tokio::task::spawn_blocking(move || Server::start_on(port))
        .await
        .unwrap();
    let (mut ok, mut failed) = (0, 0);
    for caller in callers {
        let (caller_ok, caller_failed) = caller.await.unwrap();
        ok += caller_ok;
        failed += caller_failed;
    }
    (server, ok, failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server"]
async fn a_server_killed_mid_run_costs_errors_not_hangs_and_the_client_recovers() {
    let server = Server::start();
    let client = client(&server).await;
    let timeout = client.timeout().unwrap();
    let run_until = Instant::now() + Duration::from_secs(3);
    let callers: Vec<_> = (0..50)
        .map(|caller| {
            let client = client.clone();
            tokio::spawn(async move {
                let key = format!("load-{caller}");
                let (mut ok, mut failed) = (0u32, 0u32);
                while Instant::now() < run_until {
                    let sent = Instant::now();
                    let result = client.incr(key.as_str().into()).await;
                    // Every call resolves within its timeout, reply or error.
                    let took = sent.elapsed();
                    assert!(
                        took <= timeout + Duration::from_millis(250),
                        "a call took {took:?}"
                    );
                    match result {
                        Ok(_) => ok += 1,
                        // The link's error, never a timeout or a refusal.
                        Err(RedisError::Link(error)) if !error.is_unsent() => failed += 1,
                        Err(error) => panic!("{error:?}"),
                    }
                }
                (ok, failed)
            })
        })
        .collect();

    let (server, ok, failed) = restart_while_callers_run(server, callers).await;
    // Only requests in flight on a link that died fail (checked per call
    // above: never a timeout, a refusal or an unsent request); the ones
    // behind them are held until the server is back.
    assert!(ok > 0, "ok {ok}, failed {failed}");
    // Recovered: later calls succeed on the restarted server.
    assert_eq!(client.ping().await.unwrap(), "PONG");
    assert_eq!(client.incr("after".into()).await.unwrap(), 1);
    assert!(client.is_connected());
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server"]
async fn a_link_that_stops_answering_is_replaced_within_the_deadline() {
    let server = Server::start();
    let proxy = Proxy::start(server.addr).await;
    let ms = Duration::from_millis;
    let timeout = Duration::from_secs(1);
    let options = Options::default()
        .call_timeout(timeout)
        .backoff(move || Backoff::exp(ms(20), ms(200)).unwrap());
    // The example's defaults: a 3 s response deadline.
    let deadline = Duration::from_secs(3);
    let client = Redis::new(proxy.addr).start_with(options).await.unwrap();
    assert_eq!(client.incr("warm".into()).await.unwrap(), 1);

    let run_for = Duration::from_secs(6);
    let started = Instant::now();
    let black_holed_at = started + Duration::from_millis(500);
    let callers: Vec<_> = (0..20)
        .map(|caller| {
            let client = client.clone();
            tokio::spawn(async move {
                let key = format!("partition-{caller}");
                let mut last_failure = None;
                let mut first_success_after = None;
                while started.elapsed() < run_for {
                    let sent = Instant::now();
                    let result = client.incr(key.as_str().into()).await;
                    let took = sent.elapsed();
                    assert!(took <= timeout + ms(250), "a call took {took:?}");
                    match result {
                        Ok(_) if sent > black_holed_at && first_success_after.is_none() => {
                            first_success_after = last_failure.map(|_| Instant::now());
                        }
                        Ok(_) => {}
                        Err(_) => last_failure = Some(Instant::now()),
                    }
                    tokio::time::sleep(ms(10)).await;
                }
                first_success_after
            })
        })
        .collect();

    tokio::time::sleep_until((black_holed_at).into()).await;
    // New links pass: the reconnect gets through.
    proxy.black_hole_open_links();
    for caller in callers {
        let recovered = caller
            .await
            .unwrap()
            .expect("the caller failed, then succeeded");
        let after = recovered - black_holed_at;
        assert!(
            after <= deadline + ms(200) + ms(1000),
            "recovered {after:?} after the partition"
        );
    }
    assert!(client.is_connected());
    assert_eq!(client.ping().await.unwrap(), "PONG");
}

// ---------------------------------------------------------------------------
// Bad peers: fake servers that misbehave. These need no redis-server.

/// A server that reads one command from each link, then does `misbehave`.
async fn bad_peer<F, Fut>(misbehave: F) -> SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    use tokio::io::AsyncReadExt;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let misbehave = std::sync::Arc::new(misbehave);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let misbehave = misbehave.clone();
            tokio::spawn(async move {
                let mut buf = [0; 1024];
                if sock.read(&mut buf).await.unwrap_or(0) > 0 {
                    misbehave(sock).await;
                }
            });
        }
    });
    addr
}

async fn client_of(addr: SocketAddr, timeout: Duration) -> RedisClient {
    let ms = Duration::from_millis;
    let options = Options::default()
        .call_timeout(timeout)
        .backoff(move || Backoff::exp(ms(10), ms(50)).unwrap());
    Redis::new(addr).start_with(options).await.unwrap()
}

#[tokio::test]
async fn a_peer_that_sends_garbage_gives_a_protocol_error_and_a_reconnect() {
    use tokio::io::AsyncWriteExt;

    let addr = bad_peer(|mut sock| async move {
        let _ = sock.write_all(b"?this is not RESP\r\n").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let client = client_of(addr, Duration::from_secs(2)).await;
    let sent = Instant::now();
    let error = client.ping().await.unwrap_err();
    assert!(sent.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(&error, RedisError::Link(LinkError::Decode(why)) if why.to_string().contains("malformed reply")),
        "{error:?}"
    );
    // It reconnected and the next command reaches the (still bad) peer.
    let error = client.ping().await.unwrap_err();
    assert!(matches!(error, RedisError::Link(_)), "{error:?}");
}

#[tokio::test]
async fn a_peer_that_never_answers_gives_a_timeout() {
    let addr = bad_peer(|sock| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(sock);
    })
    .await;
    let timeout = Duration::from_millis(300);
    let client = client_of(addr, timeout).await;
    let sent = Instant::now();
    let error = client.get("key".into()).await.unwrap_err();
    let took = sent.elapsed();
    assert!(
        took >= timeout && took < timeout + Duration::from_millis(500),
        "{took:?}"
    );
    assert!(
        matches!(error, RedisError::Call(CallError::Timeout)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_peer_that_closes_mid_frame_gives_a_connection_lost_error() {
    use tokio::io::AsyncWriteExt;

    let addr = bad_peer(|mut sock| async move {
        let _ = sock.write_all(b"$10\r\nhel").await;
        // Dropping the socket closes it mid-frame.
    })
    .await;
    let client = client_of(addr, Duration::from_secs(2)).await;
    let sent = Instant::now();
    let error = client.get("key".into()).await.unwrap_err();
    assert!(sent.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(&error, RedisError::Link(LinkError::Closed)),
        "{error:?}"
    );
}

async fn pool_of_four(server: &Server) -> Pool<Redis> {
    let ms = Duration::from_millis;
    let options = Options::default()
        .call_timeout(Duration::from_secs(1))
        .backoff(move || Backoff::exp(ms(20), ms(200)).unwrap());
    let addr = server.addr;
    Pool::builder(4, move || Redis::new(addr))
        .options(options)
        .min_connected(4)
        .wait(Duration::from_secs(1))
        .on_return(|redis| async move {
            // A lease that left a transaction open: nothing of it stays.
            let _ = redis.command(resp::Command::new(&[b"DISCARD"])).await;
        })
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server"]
async fn a_pool_of_four_rides_out_a_server_restart() {
    let server = Server::start();
    let pool = pool_of_four(&server).await;
    // The pool's wait for a connected member, then the call's timeout.
    let bound = Duration::from_secs(2) + Duration::from_millis(250);
    let run_until = Instant::now() + Duration::from_secs(3);
    let callers: Vec<_> = (0..50)
        .map(|caller| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let key = format!("pooled-{caller}");
                let (mut ok, mut failed) = (0u32, 0u32);
                while Instant::now() < run_until {
                    let sent = Instant::now();
                    let result = match pool.client().await {
                        Ok(member) => member.incr(key.as_str().into()).await.map_err(Some),
                        Err(PoolError::NoneConnected { cause, .. }) => {
                            assert!(cause.is_some(), "no member said why it is down");
                            Err(None)
                        }
                        Err(error) => panic!("{error:?}"),
                    };
                    let took = sent.elapsed();
                    assert!(took <= bound, "a call took {took:?}");
                    match result {
                        Ok(_) => ok += 1,
                        // Lost on a link that died, or no member up in time.
                        Err(Some(RedisError::Link(error))) if !error.is_unsent() => failed += 1,
                        Err(None) => failed += 1,
                        Err(Some(error)) => panic!("{error:?}"),
                    }
                }
                (ok, failed)
            })
        })
        .collect();

    let (server, ok, failed) = restart_while_callers_run(server, callers).await;
    assert!(ok > failed, "ok {ok}, failed {failed}");
    // Every member back (the backoff's longest step is 200 ms), each one
    // serving.
    let stats = pool.stats();
    assert_eq!(stats.connected, 4, "{stats:?}");
    for _ in 0..4 {
        let lease = pool.lease().await.unwrap();
        assert_eq!(lease.ping().await.unwrap(), "PONG");
    }
    pool.stop().await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server"]
async fn a_transaction_on_a_leased_member_and_the_cause_when_the_server_is_gone() {
    let server = Server::start();
    let pool = pool_of_four(&server).await;
    let command = |args: &[&[u8]]| resp::Command::new(args);

    let lease = pool.lease().await.unwrap();
    lease.command(command(&[b"MULTI"])).await.unwrap();
    lease.command(command(&[b"INCR", b"tx"])).await.unwrap();
    lease.command(command(&[b"INCR", b"tx"])).await.unwrap();
    let executed = lease.command(command(&[b"EXEC"])).await.unwrap();
    assert_eq!(
        executed,
        Value::Array(Some(vec![Value::Integer(1), Value::Integer(2)]))
    );
    // A transaction left open is discarded when the lease ends.
    lease.command(command(&[b"MULTI"])).await.unwrap();
    lease.command(command(&[b"INCR", b"tx"])).await.unwrap();
    let member = lease.member();
    drop(lease);
    let lease = loop {
        let lease = pool.lease().await.unwrap();
        if lease.member() == member {
            break lease;
        }
        // Held until the one we want comes back.
        tokio::time::sleep(Duration::from_millis(1)).await;
        drop(lease);
    };
    assert_eq!(lease.get("tx".into()).await.unwrap(), Some(b"2".to_vec()));
    drop(lease);

    // The server gone: a request fails with why, not a bare timeout.
    drop(server);
    let started = Instant::now();
    let error = loop {
        match pool.client().await {
            Ok(member) => {
                let _ = member.ping().await;
            }
            Err(error) => break error,
        }
    };
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(error.cause().is_some(), "why the members are down: {error}");
    // The cause is the most recent failure among the members, read when the
    // request gives up after its 1 s wait: a refused reconnect (one every
    // 200 ms at most), not the links' loss at the start of the wait.
    assert!(
        error.to_string().to_lowercase().contains("refused"),
        "the error says the connection was refused: {error}"
    );
    pool.stop().await;
}
