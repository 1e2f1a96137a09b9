//! The Redis example (`examples/redis`, on `connection::pipeline`) against
//! the clients Rust users pick instead: redis-rs `MultiplexedConnection` and
//! `ConnectionManager`, and fred. One redis-server, started here on a free
//! loopback port without persistence; the clients measured in interleaved
//! rounds, on a current-thread and a 2-worker runtime:
//!
//! - one caller: p50 and p99 of SET and of GET;
//! - 100 and 1,000 tasks sharing one client: GET operations per second, and
//!   redis-server's reads per command (`total_reads_processed`), which is
//!   how many sends per command reached it;
//! - `redis-benchmark -P 16` as the ceiling;
//! - a fault round: the server killed and restarted under load; calls that
//!   succeeded, failed and hung, and the time from the restart to the first
//!   success;
//! - a black-hole round: each client through a loopback proxy that, under
//!   load, stops forwarding on its open links (sockets kept open, new links
//!   passing); calls that succeeded, failed and hung, and the time from the
//!   cut to the first success (the dead link found and replaced).
//!
//! Prints Markdown tables. `cargo bench --manifest-path benches/Cargo.toml
//! --bench redis` (needs `redis-server` and `redis-benchmark` on the PATH).

#[path = "../../tests/support/black_hole.rs"]
mod black_hole;
#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/redis/redis.rs"]
mod example;
#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/redis/resp.rs"]
mod resp;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fred::prelude::{ClientLike, KeysInterface};
use redis::AsyncCommands;

const ROUNDS: usize = 3;
const LATENCY_OPS: usize = 2_000;
const LOAD_TIME: Duration = Duration::from_secs(1);
const CALL_TIMEOUT: Duration = Duration::from_secs(1);
const VALUE: &[u8] = b"0123456789abcdef";

/// A `redis-server` child process, killed on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(port: u16) -> Server {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on the PATH (Debian package `redis-server`)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(5));
        }
        Server { child, port }
    }

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port()
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `INFO stats`: (commands processed, reads processed).
    fn counters(&self) -> (u64, u64) {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "INFO", "stats"])
            .output()
            .expect("redis-cli");
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0)
        };
        (
            field("total_commands_processed"),
            field("total_reads_processed"),
        )
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One client under test.
#[derive(Clone)]
enum Client {
    Example(example::RedisClient),
    Multiplexed(redis::aio::MultiplexedConnection),
    Manager(redis::aio::ConnectionManager),
    Fred(fred::clients::Client),
}

const NAMES: [&str; 4] = [
    "connection (example)",
    "redis-rs Multiplexed",
    "redis-rs ConnectionManager",
    "fred",
];

impl Client {
    async fn open(kind: usize, addr: SocketAddr) -> Client {
        let url = format!("redis://{addr}");
        let ms = Duration::from_millis;
        match kind {
            0 => {
                let options = example::Redis::options().call_timeout(CALL_TIMEOUT);
                let client = example::Redis::new(addr).start_with(options).await.unwrap();
                Client::Example(client)
            }
            1 => {
                let config = redis::AsyncConnectionConfig::new()
                    .set_response_timeout(Some(CALL_TIMEOUT))
                    .set_connection_timeout(Some(CALL_TIMEOUT));
                let client = redis::Client::open(url).unwrap();
                Client::Multiplexed(
                    client
                        .get_multiplexed_async_connection_with_config(&config)
                        .await
                        .unwrap(),
                )
            }
            2 => {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_min_delay(ms(10))
                    .set_max_delay(ms(1000))
                    .set_response_timeout(Some(CALL_TIMEOUT))
                    .set_connection_timeout(Some(CALL_TIMEOUT));
                let client = redis::Client::open(url).unwrap();
                Client::Manager(
                    client
                        .get_connection_manager_with_config(config)
                        .await
                        .unwrap(),
                )
            }
            _ => {
                let config = fred::types::config::Config::from_url(&url).unwrap();
                let client = fred::types::Builder::from_config(config)
                    .set_policy(fred::types::config::ReconnectPolicy::new_exponential(
                        0, 10, 1000, 2,
                    ))
                    .with_performance_config(|performance| {
                        performance.default_command_timeout = CALL_TIMEOUT;
                    })
                    .build()
                    .unwrap();
                client.init().await.unwrap();
                Client::Fred(client)
            }
        }
    }

    async fn get(&mut self, key: &str) -> Result<(), String> {
        match self {
            Client::Example(client) => client
                .get(key.into())
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Client::Multiplexed(conn) => conn
                .get::<_, Option<Vec<u8>>>(key)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Client::Manager(conn) => conn
                .get::<_, Option<Vec<u8>>>(key)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Client::Fred(client) => client
                .get::<Option<Vec<u8>>, _>(key)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
        }
    }

    async fn set(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        match self {
            Client::Example(client) => client
                .set(key.into(), value.into(), None)
                .await
                .map_err(|e| e.to_string()),
            Client::Multiplexed(conn) => conn
                .set::<_, _, ()>(key, value)
                .await
                .map_err(|e| e.to_string()),
            Client::Manager(conn) => conn
                .set::<_, _, ()>(key, value)
                .await
                .map_err(|e| e.to_string()),
            Client::Fred(client) => client
                .set::<(), _, _>(key, value.to_vec(), None, None, false)
                .await
                .map_err(|e| e.to_string()),
        }
    }

    async fn close(self) {
        match self {
            Client::Example(client) => {
                let _ = client.stop(connection::Stop::Normal).await;
            }
            Client::Fred(client) => {
                let _ = client.quit().await;
            }
            Client::Multiplexed(_) | Client::Manager(_) => {}
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// p50 and p99 of SET, then of GET, with one caller.
async fn latency(client: &mut Client) -> [Duration; 4] {
    let mut sets = Vec::with_capacity(LATENCY_OPS);
    let mut gets = Vec::with_capacity(LATENCY_OPS);
    for _ in 0..LATENCY_OPS {
        let started = Instant::now();
        client.set("latency", VALUE).await.unwrap();
        sets.push(started.elapsed());
        let started = Instant::now();
        client.get("latency").await.unwrap();
        gets.push(started.elapsed());
    }
    sets.sort();
    gets.sort();
    [
        percentile(&sets, 0.5),
        percentile(&sets, 0.99),
        percentile(&gets, 0.5),
        percentile(&gets, 0.99),
    ]
}

/// GETs per second from `tasks` tasks sharing `client` for `LOAD_TIME`,
/// and the server's reads per command meanwhile.
async fn throughput(server: &Server, client: &Client, tasks: usize) -> (f64, f64) {
    let ops = Arc::new(AtomicU64::new(0));
    let (commands_before, reads_before) = server.counters();
    let started = Instant::now();
    let end = started + LOAD_TIME;
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let mut client = client.clone();
            let ops = ops.clone();
            tokio::spawn(async move {
                let mut done = 0;
                while Instant::now() < end {
                    client.get("load").await.unwrap();
                    done += 1;
                }
                ops.fetch_add(done, Ordering::Relaxed);
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    let elapsed = started.elapsed();
    let (commands_after, reads_after) = server.counters();
    let commands = (commands_after - commands_before).max(1) as f64;
    let reads = (reads_after - reads_before) as f64;
    (
        ops.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64(),
        reads / commands,
    )
}

/// What the fault round saw of one client.
struct Fault {
    ok: u64,
    failed: u64,
    hung: u64,
    back_after: Option<Duration>,
}

/// 100 tasks GETting in a loop for `run_for`, counting what they see, and
/// when the first success came after the fault's moment (`since`, in
/// nanoseconds from `origin`): the first to complete after it, or with
/// `sent_after`, the first of a GET sent after it (a partition lets replies
/// already on their way arrive).
struct Load {
    ok: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    hung: Arc<AtomicU64>,
    first_success_ns: Arc<AtomicU64>,
    since_ns: Arc<AtomicU64>,
    origin: Instant,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(client: &Client, run_for: Duration, sent_after: bool) -> Load {
        let counter = || Arc::new(AtomicU64::new(0));
        let (ok, failed, hung) = (counter(), counter(), counter());
        let first_success_ns = Arc::new(AtomicU64::new(u64::MAX));
        let since_ns = Arc::new(AtomicU64::new(u64::MAX));
        let origin = Instant::now();
        let end = origin + run_for;
        let tasks = (0..100)
            .map(|_| {
                let mut client = client.clone();
                let (ok, failed, hung) = (ok.clone(), failed.clone(), hung.clone());
                let (first, since) = (first_success_ns.clone(), since_ns.clone());
                tokio::spawn(async move {
                    while Instant::now() < end {
                        let sent = Instant::now();
                        let result = client.get("load").await;
                        if sent.elapsed() > CALL_TIMEOUT + Duration::from_millis(250) {
                            hung.fetch_add(1, Ordering::Relaxed);
                        }
                        match result {
                            Ok(()) => {
                                ok.fetch_add(1, Ordering::Relaxed);
                                let now = origin.elapsed().as_nanos() as u64;
                                let at = if sent_after {
                                    sent - origin
                                } else {
                                    origin.elapsed()
                                };
                                if at.as_nanos() as u64 > since.load(Ordering::Relaxed) {
                                    first.fetch_min(now, Ordering::Relaxed);
                                }
                            }
                            Err(_) => {
                                failed.fetch_add(1, Ordering::Relaxed);
                                // A failing client must not spin the CPU
                                // away from the others.
                                tokio::time::sleep(Duration::from_millis(1)).await;
                            }
                        }
                    }
                })
            })
            .collect();
        Load {
            ok,
            failed,
            hung,
            first_success_ns,
            since_ns,
            origin,
            tasks,
        }
    }

    /// From now on, a success counts as the first after the fault.
    fn mark(&self) {
        let now = self.origin.elapsed().as_nanos() as u64;
        self.since_ns.store(now, Ordering::Relaxed);
    }

    async fn finish(self) -> Fault {
        for task in self.tasks {
            task.await.unwrap();
        }
        let first = self.first_success_ns.load(Ordering::Relaxed);
        let since = self.since_ns.load(Ordering::Relaxed);
        Fault {
            ok: self.ok.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            hung: self.hung.load(Ordering::Relaxed),
            back_after: (first != u64::MAX).then(|| Duration::from_nanos(first - since)),
        }
    }
}

/// 100 tasks GET in a loop; the server is killed after 500 ms and started
/// again 500 ms later on the same port.
async fn fault_round(server: &mut Server, client: &Client) -> Fault {
    let load = Load::start(client, Duration::from_millis(2500), false);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let port = server.port;
    let mut dead = std::mem::replace(server, Server::placeholder());
    tokio::task::spawn_blocking(move || dead.kill())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let restarted = tokio::task::spawn_blocking(move || Server::start(port))
        .await
        .unwrap();
    load.mark();
    *server = restarted;
    load.finish().await
}

/// 100 tasks GET in a loop for 5 s through a proxy whose open links go
/// silent at 0.5 s.
async fn black_hole_round(proxy: &black_hole::Proxy, client: &Client) -> Fault {
    let load = Load::start(client, Duration::from_secs(5), true);
    tokio::time::sleep(Duration::from_millis(500)).await;
    load.mark();
    proxy.black_hole_open_links();
    load.finish().await
}

impl Server {
    /// A stand-in while the real one is being replaced; it owns no process.
    fn placeholder() -> Server {
        Server {
            child: Command::new("true").spawn().unwrap(),
            port: 0,
        }
    }
}

fn redis_benchmark(port: u16) -> f64 {
    let out = Command::new("redis-benchmark")
        .args([
            "-p",
            &port.to_string(),
            "-t",
            "get",
            "-n",
            "500000",
            "-P",
            "16",
            "-q",
        ])
        .output()
        .expect("redis-benchmark on the PATH");
    let text = String::from_utf8_lossy(&out.stdout);
    // "GET: 123456.79 requests per second, p50=..." (after carriage returns).
    text.rsplit('\r')
        .chain(text.lines())
        .find_map(|part| {
            let rest = part.trim().strip_prefix("GET: ")?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or(f64::NAN)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// Every measure of one runtime flavor, `ROUNDS` rounds interleaved.
async fn flavor(server: &mut Server, name: &str) {
    let addr = server.addr();
    {
        let mut setup = Client::open(0, addr).await;
        setup.set("load", VALUE).await.unwrap();
        setup.close().await;
    }
    // measure -> client -> one value per round
    let mut results: BTreeMap<(&str, usize), Vec<f64>> = BTreeMap::new();
    for _round in 0..ROUNDS {
        for (kind, _) in NAMES.iter().enumerate() {
            let mut client = Client::open(kind, addr).await;
            let [set50, set99, get50, get99] = latency(&mut client).await;
            for (measure, value) in [
                ("set p50", micros(set50)),
                ("set p99", micros(set99)),
                ("get p50", micros(get50)),
                ("get p99", micros(get99)),
            ] {
                results.entry((measure, kind)).or_default().push(value);
            }
            for (measure, reads_measure, tasks) in [
                ("get/s 100 tasks", "reads/cmd 100 tasks", 100),
                ("get/s 1000 tasks", "reads/cmd 1000 tasks", 1000),
            ] {
                let (ops, reads) = throughput(server, &client, tasks).await;
                results.entry((measure, kind)).or_default().push(ops);
                results
                    .entry((reads_measure, kind))
                    .or_default()
                    .push(reads);
            }
            client.close().await;
        }
    }
    println!("\n#### {name}\n");
    println!(
        "| measure | {} | best peer | ratio (ours / best peer, median of rounds) |",
        NAMES.join(" | ")
    );
    println!("|---|---|---|---|---|---|---|");
    let measures = [
        ("set p50", false),
        ("set p99", false),
        ("get p50", false),
        ("get p99", false),
        ("get/s 100 tasks", true),
        ("get/s 1000 tasks", true),
        ("reads/cmd 100 tasks", false),
        ("reads/cmd 1000 tasks", false),
    ];
    for (measure, higher_is_better) in measures {
        let per_client: Vec<Vec<f64>> = (0..NAMES.len())
            .map(|kind| results[&(measure, kind)].clone())
            .collect();
        // Per round: ours against the best of the three peers that round.
        let ratios: Vec<f64> = (0..ROUNDS)
            .map(|round| {
                let ours = per_client[0][round];
                let peers = per_client[1..].iter().map(|values| values[round]);
                let best = if higher_is_better {
                    peers.fold(f64::MIN, f64::max)
                } else {
                    peers.fold(f64::MAX, f64::min)
                };
                ours / best
            })
            .collect();
        let medians: Vec<f64> = per_client.into_iter().map(median).collect();
        let best_kind = (1..NAMES.len())
            .max_by(|a, b| {
                let order = medians[*a].total_cmp(&medians[*b]);
                if higher_is_better {
                    order
                } else {
                    order.reverse()
                }
            })
            .unwrap();
        let cells: Vec<String> = medians
            .iter()
            .map(|value| {
                if measure.starts_with("get/s") {
                    format!("{value:.0}")
                } else if measure.starts_with("reads") {
                    format!("{value:.3}")
                } else {
                    format!("{value:.0} µs")
                }
            })
            .collect();
        println!(
            "| {measure} | {} | {} | {:.2}x |",
            cells.join(" | "),
            NAMES[best_kind],
            median(ratios)
        );
    }
    println!(
        "\nFault round (server killed at 0.5 s, restarted at 1.0 s, 100 tasks, {CALL_TIMEOUT:?} call timeout):\n"
    );
    println!("| client | ok | failed | hung (> timeout + 250 ms) | first success after restart |");
    println!("|---|---|---|---|---|");
    for (kind, name) in NAMES.iter().enumerate() {
        let client = Client::open(kind, server.addr()).await;
        let fault = fault_round(server, &client).await;
        let back = fault.back_after.map_or_else(
            || "never".to_owned(),
            |after| format!("{:.0} ms", after.as_secs_f64() * 1e3),
        );
        println!(
            "| {name} | {} | {} | {} | {back} |",
            fault.ok, fault.failed, fault.hung
        );
        client.close().await;
        // The restarted server is empty.
        let mut setup = Client::open(0, server.addr()).await;
        setup.set("load", VALUE).await.unwrap();
        setup.close().await;
    }
    println!(
        "\nBlack-hole round (open links stop forwarding at 0.5 s, sockets kept open, new links pass; 100 tasks, 5 s, {CALL_TIMEOUT:?} call timeout):\n"
    );
    println!("| client | ok | failed | hung (> timeout + 250 ms) | first success after the cut |");
    println!("|---|---|---|---|---|");
    for (kind, name) in NAMES.iter().enumerate() {
        let proxy = black_hole::Proxy::start(server.addr()).await;
        let client = Client::open(kind, proxy.addr).await;
        let fault = black_hole_round(&proxy, &client).await;
        let back = fault.back_after.map_or_else(
            || "never".to_owned(),
            |after| format!("{:.0} ms", after.as_secs_f64() * 1e3),
        );
        println!(
            "| {name} | {} | {} | {} | {back} |",
            fault.ok, fault.failed, fault.hung
        );
        // A client that never finds the dead link would wait on it for
        // ever: not awaited.
        drop(client);
    }
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        // `cargo bench` asks harness-less benches for their list.
        return;
    }
    let mut server = Server::start(Server::free_port());
    println!(
        "redis-benchmark -P 16 -t get (the ceiling): {:.0} GET/s",
        redis_benchmark(server.port)
    );
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    current.block_on(flavor(&mut server, "current_thread"));
    drop(current);
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    multi.block_on(flavor(&mut server, "multi_thread (2 workers)"));
}
