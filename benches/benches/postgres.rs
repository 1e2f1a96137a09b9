//! The PostgreSQL example's pool (`examples/postgres` on `connection::pool`)
//! against deadpool-postgres and bb8-postgres, all over tokio-postgres, on
//! one private PostgreSQL cluster started here (`fsync=off`, loopback). A
//! table of 10,000 rows and a prepared `SELECT .. WHERE id = $1`; the pools
//! measured in interleaved rounds (median of the rounds), on a 2-worker
//! runtime:
//!
//! - throughput and p50/p99 with 100 and 1,000 tasks, pool sizes 1, 2, 4, 8;
//! - p50/p99 at a fixed offered load (20,000 and 40,000 lookups a second,
//!   an open loop), pool of 4: tails at equal throughput;
//! - a mixed load: one query in 100 is `pg_sleep(0.02)`; p50/p99 of the
//!   others; the example's members are also measured chosen in turn (round
//!   robin) rather than by their load;
//! - the example's pool with a cap of 3 requests in progress per member
//!   (`concurrency_per_member`: the rest wait in the pool, in order) beside
//!   it with none; on the mixed load, with a cap of 1 too;
//! - fault rounds, pool of 4, 100 tasks: every backend terminated, the
//!   server restarted, the server down for 2 s. Calls failed, calls past
//!   their timeout, calls issued after the server was back that still
//!   failed, the time from then to the first success, and the CPU the
//!   process burned while the server was down.
//!
//! `cargo bench --bench postgres -- caps` runs instead a sweep of the caps
//! per member (none, 1, 2, 3, 4, 6) against deadpool-postgres in the same
//! closed loops: which setting, if any, meets both targets (lookups at least
//! deadpool's, p99 no worse) in each cell.
//!
//! deadpool-postgres and bb8-postgres run as their documentation shows:
//! deadpool with `RecyclingMethod::Fast` and `prepare_cached`; bb8 with its
//! default `test_on_check_out` and a `prepare` per checkout (bb8-postgres
//! keeps no statement cache). Prints Markdown tables. `cargo bench --bench
//! postgres` (needs PostgreSQL: see `tests/support/postgres_server.rs`).

#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/postgres/postgres.rs"]
mod example;
#[allow(dead_code, unreachable_pub)]
#[path = "../../tests/support/postgres_server.rs"]
mod postgres_server;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bb8_postgres::PostgresConnectionManager;
use connection::pool::Pool;
use tokio_postgres::NoTls;

use crate::example::{Postgres, PostgresClient};
use crate::postgres_server::PgServer;

const ROUNDS: usize = 3;
const LOAD_TIME: Duration = Duration::from_secs(1);
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
const ROWS: i32 = 10_000;
const SELECT: &str = "SELECT id, name, email FROM users WHERE id = $1";

#[derive(Clone)]
enum Subject {
    Ours(Pool<Postgres>),
    /// The same members as `Ours`, chosen in turn: what the power of two
    /// choices is measured against.
    RoundRobin(Arc<[PostgresClient]>, Arc<AtomicUsize>),
    Deadpool(deadpool_postgres::Pool),
    Bb8(bb8::Pool<PostgresConnectionManager<NoTls>>),
}

const NAMES: [&str; 6] = [
    "connection::pool",
    "deadpool-postgres",
    "bb8-postgres",
    "same members, round robin",
    "connection::pool, 3 per member",
    "connection::pool, 1 per member",
];

/// The caps per member (`concurrency_per_member`) of the last two
/// subjects: 3 keeps a link pipelined, 1 is a checkout pool's discipline
/// (measured on the mixed load only, where it matters).
const CAPS: [usize; 2] = [3, 1];
/// The subjects of the plain and open-loop rounds (all but the last).
const PLAIN: usize = 5;
/// The sweep's subjects past this are the example's pool with a cap of
/// `which - SWEPT` per member.
const SWEPT: usize = 100;
/// The caps the sweep measures (0: none).
const SWEPT_CAPS: [usize; 6] = [0, 1, 2, 3, 4, 6];

impl Subject {
    async fn start(which: usize, url: &str, size: usize) -> Subject {
        let config: tokio_postgres::Config = url.parse().unwrap();
        match which {
            // The sweep's caps: `SWEPT + cap`.
            SWEPT.. => Subject::Ours(
                Pool::builder(size, move || Postgres::new(config.clone(), CALL_TIMEOUT))
                    .options(Postgres::options().call_timeout(CALL_TIMEOUT))
                    .min_connected(size)
                    .concurrency_per_member(which - SWEPT)
                    .start()
                    .await
                    .unwrap(),
            ),
            0 | 4 | 5 => {
                let mut builder =
                    Pool::builder(size, move || Postgres::new(config.clone(), CALL_TIMEOUT))
                        .options(Postgres::options().call_timeout(CALL_TIMEOUT))
                        .min_connected(size);
                if which > 0 {
                    builder = builder.concurrency_per_member(CAPS[which - 4]);
                }
                Subject::Ours(builder.start().await.unwrap())
            }
            3 => {
                let mut members = Vec::with_capacity(size);
                for _ in 0..size {
                    let member = Postgres::new(config.clone(), CALL_TIMEOUT)
                        .start_with(Postgres::options().call_timeout(CALL_TIMEOUT))
                        .await
                        .unwrap();
                    member.as_ref().until_connected().await.unwrap();
                    members.push(member);
                }
                Subject::RoundRobin(members.into(), Arc::default())
            }
            1 => {
                let manager = deadpool_postgres::Manager::from_config(
                    config,
                    NoTls,
                    deadpool_postgres::ManagerConfig {
                        recycling_method: deadpool_postgres::RecyclingMethod::Fast,
                    },
                );
                Subject::Deadpool(
                    deadpool_postgres::Pool::builder(manager)
                        .max_size(size)
                        .build()
                        .unwrap(),
                )
            }
            _ => Subject::Bb8(
                bb8::Pool::builder()
                    .max_size(size as u32)
                    .connection_timeout(CALL_TIMEOUT)
                    .build(PostgresConnectionManager::new(config, NoTls))
                    .await
                    .unwrap(),
            ),
        }
    }

    /// One lookup (or, `slow`, a 20 ms sleep), bounded by the call timeout.
    async fn call(&self, id: i32, slow: bool) -> Outcome {
        let work = async {
            match self {
                Subject::Ours(pool) => {
                    on_member(&*pool.client().await.map_err(|_| ())?, id, slow).await
                }
                Subject::RoundRobin(members, next) => {
                    let turn = next.fetch_add(1, Ordering::Relaxed) % members.len();
                    on_member(&members[turn], id, slow).await
                }
                Subject::Deadpool(pool) => {
                    let client = pool.get().await.map_err(|_| ())?;
                    let sql = if slow {
                        "SELECT pg_sleep(0.02)"
                    } else {
                        SELECT
                    };
                    let statement = client.prepare_cached(sql).await.map_err(|_| ())?;
                    lookup(&client, &statement, id, slow).await
                }
                Subject::Bb8(pool) => {
                    let client = pool.get().await.map_err(|_| ())?;
                    let sql = if slow {
                        "SELECT pg_sleep(0.02)"
                    } else {
                        SELECT
                    };
                    let statement = client.prepare(sql).await.map_err(|_| ())?;
                    lookup(&client, &statement, id, slow).await
                }
            }
        };
        match tokio::time::timeout(CALL_TIMEOUT + Duration::from_millis(500), work).await {
            Ok(Ok(())) => Outcome::Ok,
            Ok(Err(())) => Outcome::Failed,
            Err(_) => Outcome::Hung,
        }
    }

    async fn stop(self) {
        if let Subject::Ours(pool) = self {
            pool.stop().await;
        }
    }
}

/// One lookup (or sleep) through a member of the example's.
async fn on_member(db: &PostgresClient, id: i32, slow: bool) -> Result<(), ()> {
    if slow {
        return db
            .query("SELECT pg_sleep(0.02)".into(), Vec::new())
            .await
            .map(|_| ())
            .map_err(|_| ());
    }
    match db.user(id).await {
        Ok(Some(user)) if user.id == id => Ok(()),
        _ => Err(()),
    }
}

async fn lookup(
    client: &tokio_postgres::Client,
    statement: &tokio_postgres::Statement,
    id: i32,
    slow: bool,
) -> Result<(), ()> {
    if slow {
        return client
            .query(statement, &[])
            .await
            .map(|_| ())
            .map_err(|_| ());
    }
    match client.query_opt(statement, &[&id]).await {
        Ok(Some(row)) if row.get::<_, i32>(0) == id => Ok(()),
        _ => Err(()),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Failed,
    Hung,
}

/// A small generator per task: ids spread over the table.
struct Ids(u64);

impl Ids {
    fn next(&mut self) -> i32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % ROWS as u64) as i32 + 1
    }
}

struct Load {
    ops_per_sec: f64,
    p50: Duration,
    p99: Duration,
}

/// `tasks` callers for `LOAD_TIME`; with `mixed`, one call in 100 sleeps
/// 20 ms (its latency is not counted).
async fn load(subject: &Subject, tasks: usize, mixed: bool) -> Load {
    let until = Instant::now() + LOAD_TIME;
    let callers: Vec<_> = (0..tasks)
        .map(|task| {
            let subject = subject.clone();
            tokio::spawn(async move {
                let mut ids = Ids(0x9E37_79B9_7F4A_7C15 ^ (task as u64 + 1));
                let mut latencies = Vec::new();
                let mut n = 0u64;
                while Instant::now() < until {
                    n += 1;
                    let slow = mixed && n % 100 == (task as u64 % 100);
                    let started = Instant::now();
                    let outcome = subject.call(ids.next(), slow).await;
                    assert!(outcome == Outcome::Ok, "a call failed under plain load");
                    if !slow {
                        latencies.push(started.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    let started = Instant::now();
    let mut latencies = Vec::new();
    for caller in callers {
        latencies.extend(caller.await.unwrap());
    }
    let elapsed = started.elapsed().max(LOAD_TIME);
    latencies.sort_unstable();
    Load {
        ops_per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
    }
}

/// One closed loop (`load`) on a subject started for it: lookups per
/// second, p50 and p99 (µs).
async fn measure(
    which: usize,
    url: &str,
    size: usize,
    tasks: usize,
    mixed: bool,
) -> (f64, f64, f64) {
    let subject = Subject::start(which, url, size).await;
    let measured = load(&subject, tasks, mixed).await;
    subject.stop().await;
    (
        measured.ops_per_sec,
        micros(measured.p50),
        micros(measured.p99),
    )
}

/// An open loop: `rate` lookups a second for `LOAD_TIME`, each on its own
/// task, whatever the pool's speed; latency counted from when each was due,
/// so that tails compare at equal throughput.
async fn offered(subject: &Subject, rate: u32) -> Load {
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let until = Instant::now() + LOAD_TIME;
    let mut ids = Ids(0x2545_F491_4F6C_DD1D);
    let mut running = tokio::task::JoinSet::new();
    while Instant::now() < until {
        let due = ticks.tick().await;
        let (subject, id) = (subject.clone(), ids.next());
        running.spawn(async move {
            let outcome = subject.call(id, false).await;
            (outcome, due.elapsed())
        });
    }
    // A pool that cannot keep up fails or times out calls: they count in
    // the latencies (with the time they took), not in the lookups done.
    let (mut done, mut latencies) = (0u32, Vec::new());
    while let Some(call) = running.join_next().await {
        let (outcome, latency) = call.unwrap();
        done += u32::from(outcome == Outcome::Ok);
        latencies.push(latency);
    }
    latencies.sort_unstable();
    Load {
        ops_per_sec: f64::from(done) / LOAD_TIME.as_secs_f64(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[derive(Default)]
struct Fault {
    failed: u64,
    hung: u64,
    /// Calls issued at least 100 ms after the server was back, that failed.
    failed_after: u64,
    first_success_after: Option<Duration>,
    /// CPU the whole process used while the server was down.
    cpu_while_down: Option<Duration>,
}

/// The process's CPU time (user + system), from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are
    // the 14th and 15th of the line.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|t| t.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|t| t.parse().ok()).unwrap_or(0);
    // Linux's USER_HZ is 100 everywhere it runs.
    Duration::from_millis(ticks * 10)
}

#[derive(Clone, Copy)]
enum FaultKind {
    Terminate,
    Restart,
    Down2s,
}

/// 100 callers from 1 s before the fault to 1 s after the server is back.
async fn fault_round(server: &Arc<PgServer>, subject: &Subject, kind: FaultKind) -> Fault {
    let until = Arc::new(std::sync::Mutex::new(
        Instant::now() + Duration::from_secs(60),
    ));
    let back_at = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let first_success = Arc::new(AtomicU64::new(u64::MAX));
    let failed = Arc::new(AtomicU64::new(0));
    let hung = Arc::new(AtomicU64::new(0));
    let failed_after = Arc::new(AtomicU64::new(0));
    let origin = Instant::now();
    let callers: Vec<_> = (0..100)
        .map(|task| {
            let subject = subject.clone();
            let (back_at, first_success) = (back_at.clone(), first_success.clone());
            let (failed, hung, failed_after) = (failed.clone(), hung.clone(), failed_after.clone());
            let until = until.clone();
            tokio::spawn(async move {
                let mut ids = Ids(task + 7);
                while Instant::now() < *until.lock().unwrap() {
                    let issued = Instant::now();
                    let outcome = subject.call(ids.next(), false).await;
                    let back = *back_at.lock().unwrap();
                    match outcome {
                        Outcome::Ok => {
                            if let Some(back) = back
                                && issued >= back
                            {
                                let at = issued.duration_since(origin).as_micros() as u64;
                                first_success.fetch_min(at, Ordering::Relaxed);
                            }
                        }
                        Outcome::Failed | Outcome::Hung => {
                            if outcome == Outcome::Hung {
                                hung.fetch_add(1, Ordering::Relaxed);
                            }
                            failed.fetch_add(1, Ordering::Relaxed);
                            if back.is_some_and(|back| issued >= back + Duration::from_millis(100))
                            {
                                failed_after.fetch_add(1, Ordering::Relaxed);
                            }
                            // A caller does not spin on an error.
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut cpu_while_down = None;
    match kind {
        FaultKind::Terminate => {
            server.terminate_backends().await;
        }
        FaultKind::Restart => {
            let server = server.clone();
            tokio::task::spawn_blocking(move || server.restart())
                .await
                .unwrap();
        }
        FaultKind::Down2s => {
            let stopping = server.clone();
            tokio::task::spawn_blocking(move || stopping.stop())
                .await
                .unwrap();
            let cpu = cpu_time();
            tokio::time::sleep(Duration::from_secs(2)).await;
            cpu_while_down = Some(cpu_time().saturating_sub(cpu));
            let starting = server.clone();
            tokio::task::spawn_blocking(move || starting.start_again())
                .await
                .unwrap();
        }
    }
    let back = Instant::now();
    *back_at.lock().unwrap() = Some(back);
    *until.lock().unwrap() = back + Duration::from_secs(1);
    for caller in callers {
        caller.await.unwrap();
    }
    let first = first_success.load(Ordering::Relaxed);
    Fault {
        failed: failed.load(Ordering::Relaxed),
        hung: hung.load(Ordering::Relaxed),
        failed_after: failed_after.load(Ordering::Relaxed),
        first_success_after: (first != u64::MAX)
            .then(|| (origin + Duration::from_micros(first)).saturating_duration_since(back)),
        cpu_while_down,
    }
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

async fn run() {
    let server = Arc::new(PgServer::start());
    server.create_users(ROWS).await;
    let url = server.url();
    if std::env::args().any(|arg| arg == "caps") {
        return cap_sweep(&url).await;
    }

    // (tasks, size) -> per subject: ops/s, p50, p99 of each round.
    let mut plain: BTreeMap<(usize, usize), PerSubject> = BTreeMap::new();
    let mut mixed: BTreeMap<usize, PerSubject> = BTreeMap::new();
    let mut open: BTreeMap<u32, PerSubject> = BTreeMap::new();
    for round in 0..ROUNDS {
        eprintln!("round {}/{ROUNDS}", round + 1);
        for tasks in [100, 1_000] {
            for size in [1, 2, 4, 8] {
                let entry = plain
                    .entry((tasks, size))
                    .or_insert_with(|| vec![Vec::new(); PLAIN]);
                for (which, results) in entry.iter_mut().enumerate() {
                    results.push(measure(which, &url, size, tasks, false).await);
                }
            }
        }
        for rate in [20_000, 40_000] {
            let entry = open.entry(rate).or_insert_with(|| vec![Vec::new(); PLAIN]);
            for (which, results) in entry.iter_mut().enumerate() {
                let subject = Subject::start(which, &url, 4).await;
                let measured = offered(&subject, rate).await;
                results.push((
                    measured.ops_per_sec,
                    micros(measured.p50),
                    micros(measured.p99),
                ));
                subject.stop().await;
            }
        }
        for size in [4, 8] {
            let entry = mixed
                .entry(size)
                .or_insert_with(|| vec![Vec::new(); NAMES.len()]);
            for (which, results) in entry.iter_mut().enumerate() {
                results.push(measure(which, &url, size, 100, true).await);
            }
        }
    }

    println!("### Lookups: throughput and latency (median of {ROUNDS} rounds)\n");
    println!("| tasks | pool size | pool | lookups/s | ratio to the faster peer | p50 | p99 |");
    println!("|---|---|---|---|---|---|---|");
    for ((tasks, size), subjects) in &plain {
        print_rows(&format!("{tasks} | {size}"), subjects);
    }
    println!(
        "\n### Fixed offered load: lookups due at a steady rate, each on its own task, pool of 4 (latency from when due)\n"
    );
    println!("| offered/s | pool size | pool | lookups/s | ratio to the faster peer | p50 | p99 |");
    println!("|---|---|---|---|---|---|---|");
    for (rate, subjects) in &open {
        print_rows(&format!("{rate} | 4"), subjects);
    }
    println!("\n### Mixed load: 1 query in 100 sleeps 20 ms; 100 tasks (latency of the others)\n");
    println!("| tasks | pool size | pool | lookups/s | ratio to the faster peer | p50 | p99 |");
    println!("|---|---|---|---|---|---|---|");
    for (size, subjects) in &mixed {
        print_rows(&format!("100 | {size}"), subjects);
    }

    println!(
        "\n### Faults: pool of 4, 100 tasks, from 1 s before the fault to 1 s after the server is back\n"
    );
    println!(
        "| fault | pool | calls failed | past their timeout | failed after the server was back | first success after | CPU while down |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (label, kind) in [
        ("every backend terminated", FaultKind::Terminate),
        ("server restarted", FaultKind::Restart),
        ("server down 2 s", FaultKind::Down2s),
    ] {
        // The fault rounds compare the pools (round robin has no supervisor).
        for (which, name) in NAMES.iter().enumerate().take(PLAIN) {
            if which == 3 {
                continue;
            }
            let subject = Subject::start(which, &url, 4).await;
            let fault = fault_round(&server, &subject, kind).await;
            subject.stop().await;
            println!(
                "| {label} | {name} | {} | {} | {} | {} | {} |",
                fault.failed,
                fault.hung,
                fault.failed_after,
                fault
                    .first_success_after
                    .map_or("none".to_owned(), |after| format!(
                        "{:.0} ms",
                        after.as_secs_f64() * 1e3
                    )),
                fault
                    .cpu_while_down
                    .map_or("".to_owned(), |cpu| format!("{} ms", cpu.as_millis())),
            );
        }
    }
}

/// The closed loops of `run` with the example's pool at each cap of
/// `SWEPT_CAPS` beside deadpool-postgres (the faster peer in every cell of
/// every run so far), in interleaved rounds.
async fn cap_sweep(url: &str) {
    let subjects: Vec<usize> = std::iter::once(1)
        .chain(
            SWEPT_CAPS
                .iter()
                .map(|cap| if *cap == 0 { 0 } else { SWEPT + cap }),
        )
        .collect();
    let mut cells: BTreeMap<(usize, usize), PerSubject> = BTreeMap::new();
    for round in 0..ROUNDS {
        eprintln!("round {}/{ROUNDS}", round + 1);
        for tasks in [100, 1_000] {
            for size in [1, 2, 4, 8] {
                let entry = cells
                    .entry((tasks, size))
                    .or_insert_with(|| vec![Vec::new(); subjects.len()]);
                for (which, results) in subjects.iter().zip(entry.iter_mut()) {
                    results.push(measure(*which, url, size, tasks, false).await);
                }
            }
        }
    }
    println!("### Caps per member against deadpool-postgres (median of {ROUNDS} rounds)\n");
    println!(
        "| tasks | pool size | cap per member | lookups/s | ratio | p99 | p99 ratio | both targets |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for ((tasks, size), rounds) in &cells {
        let medians: Vec<(f64, f64)> = rounds
            .iter()
            .map(|r| {
                (
                    median(r.iter().map(|m| m.0).collect()),
                    median(r.iter().map(|m| m.2).collect()),
                )
            })
            .collect();
        let (peer_ops, peer_p99) = medians[0];
        println!(
            "| {tasks} | {size} | deadpool-postgres | {peer_ops:.0} | 1.00x | {peer_p99:.0} µs | 1.00x | |"
        );
        for (cap, (ops, p99)) in SWEPT_CAPS.iter().zip(&medians[1..]) {
            let cap = if *cap == 0 {
                "none".to_owned()
            } else {
                cap.to_string()
            };
            let met = if *ops >= peer_ops && *p99 <= peer_p99 {
                "met"
            } else {
                ""
            };
            println!(
                "| {tasks} | {size} | {cap} | {ops:.0} | {:.2}x | {p99:.0} µs | {:.2}x | {met} |",
                ops / peer_ops,
                p99 / peer_p99
            );
        }
    }
}

/// Each subject's rounds: lookups per second, p50 and p99 (µs).
type PerSubject = Vec<Vec<(f64, f64, f64)>>;

fn print_rows(key: &str, subjects: &[Vec<(f64, f64, f64)>]) {
    let medians: Vec<(f64, f64, f64)> = subjects
        .iter()
        .map(|rounds| {
            (
                median(rounds.iter().map(|r| r.0).collect()),
                median(rounds.iter().map(|r| r.1).collect()),
                median(rounds.iter().map(|r| r.2).collect()),
            )
        })
        .collect();
    let best_peer = medians[1].0.max(medians[2].0);
    for (name, (ops, p50, p99)) in NAMES.iter().zip(&medians) {
        println!(
            "| {key} | {name} | {:.0} | {:.2}x | {:.0} µs | {:.0} µs |",
            ops,
            ops / best_peer,
            p50,
            p99
        );
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}
