//! `cargo build --release --example redis_load`, then run (under
//! `valgrind --tool=callgrind` or `perf stat`) against a redis-server that
//! is already listening: `redis_load ADDR CLIENT TASKS`, with CLIENT one of
//! `example` (the default) or `multiplexed` (redis-rs), both with a 1 s call timeout. TASKS tasks (100 by
//! default) share one client on a current-thread runtime (or `WORKERS`
//! worker threads, when that is set) and make
//! `PROFILE_ITERATIONS` GETs between them (200,000 by default); prints the
//! client process's CPU time per GET, to compare where the Redis
//! benchmark's throughput goes.

#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/redis/redis.rs"]
mod example;
#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/redis/resp.rs"]
mod resp;

use std::net::SocketAddr;
use std::time::Instant;

use redis::AsyncCommands;

/// As in the Redis benchmark: every client times its calls out after 1 s.
const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

fn iterations() -> usize {
    std::env::var("PROFILE_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000)
}

/// User plus system CPU time of this process so far, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields 14 and 15 (utime, stime) in clock ticks, after the `(comm)`.
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

async fn load(addr: SocketAddr, kind: &str, tasks: usize) {
    let per_task = iterations() / tasks;
    let handles: Vec<_> = match kind {
        "multiplexed" => {
            let client = redis::Client::open(format!("redis://{addr}")).unwrap();
            let config = redis::AsyncConnectionConfig::new()
                .set_response_timeout(Some(CALL_TIMEOUT))
                .set_connection_timeout(Some(CALL_TIMEOUT));
            let conn = client
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .unwrap();
            (0..tasks)
                .map(|_| {
                    let mut conn = conn.clone();
                    tokio::spawn(async move {
                        for _ in 0..per_task {
                            let _: Option<Vec<u8>> = conn.get("load").await.unwrap();
                        }
                    })
                })
                .collect()
        }
        _ => {
            let options = example::Redis::options().call_timeout(CALL_TIMEOUT);
            let client = example::Redis::new(addr).start_with(options).await.unwrap();
            (0..tasks)
                .map(|_| {
                    let client = client.clone();
                    tokio::spawn(async move {
                        for _ in 0..per_task {
                            client.get("load".into()).await.unwrap();
                        }
                    })
                })
                .collect()
        }
    };
    for handle in handles {
        handle.await.unwrap();
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:6379".into())
        .parse()
        .unwrap();
    let kind = args.next().unwrap_or_else(|| "example".into());
    let tasks: usize = args.next().map_or(100, |n| n.parse().unwrap());
    let rt = match std::env::var("WORKERS").ok().and_then(|n| n.parse().ok()) {
        Some(workers) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build(),
        None => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    }
    .unwrap();
    let cpu = cpu_seconds();
    let started = Instant::now();
    rt.block_on(load(addr, &kind, tasks));
    let elapsed = started.elapsed().as_secs_f64();
    let ops = (iterations() / tasks * tasks) as f64;
    println!(
        "{kind} {tasks} tasks: {:.0} GET/s, {:.2} µs CPU per GET",
        ops / elapsed,
        (cpu_seconds() - cpu) / ops * 1e6
    );
}
