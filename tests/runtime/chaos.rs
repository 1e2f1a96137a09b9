//! Chaos on loopback: 1,000 concurrent callers make 100,000 calls through a
//! connection (and through a pool of four) whose every socket passes a
//! fault proxy. Under a seeded
//! schedule the proxy refuses connects, drops links, stalls reads and delays
//! writes, until at least 100 links were forced down; then faults stop.
//!
//! Asserted, not logged: every call resolves, reply or error, within its
//! timeout; no call is answered with another caller's reply; nothing read
//! from an old link is ever handled after a reconnect; the connection ends
//! connected; and once every client is dropped no task remains.
//!
//! `CHAOS_SEED` picks another schedule; `CHAOS_SOAK_SECS` sets the length of
//! the ignored soak test.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use connection::pool::{Pool, PoolError};
use connection::{
    Attempt, Backoff, CallError, Connect, Context, Disconnect, Options, ReplyTo, Stop, connection,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio_util::bytes::Bytes;
use tokio_util::io::ReaderStream;

// ---------------------------------------------------------------------------
// The wire: length-prefixed frames, echoed verbatim by the server.

/// `[u32 length = 24][u64 id][u64 caller][u64 seq]`
const FRAME: usize = 28;

fn frame(id: u64, caller: u64, seq: u64) -> [u8; FRAME] {
    let mut out = [0; FRAME];
    out[..4].copy_from_slice(&24u32.to_be_bytes());
    out[4..12].copy_from_slice(&id.to_be_bytes());
    out[12..20].copy_from_slice(&caller.to_be_bytes());
    out[20..28].copy_from_slice(&seq.to_be_bytes());
    out
}

fn field(bytes: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(bytes[at..at + 8].try_into().unwrap())
}

// ---------------------------------------------------------------------------
// The connection under test.

/// Counters the connection keeps for the test to check.
#[derive(Default)]
struct Counters {
    disconnects: AtomicU64,
    /// Echoes whose request id is not pending: would mean an old link's
    /// bytes reached the handler after a reconnect.
    strays: AtomicU64,
    /// `Echo` values made and dropped: equal once every connection ended.
    made: AtomicU64,
    dropped: AtomicU64,
}

/// What a caller waits for: its own `(caller, seq)` echoed, or why not.
type Echoed = Result<(u64, u64), String>;

struct Echo {
    addr: SocketAddr,
    writer: Option<OwnedWriteHalf>,
    buffer: Vec<u8>,
    pending: HashMap<u64, ReplyTo<Echoed>>,
    next_id: u64,
    counters: Arc<Counters>,
}

impl Echo {
    fn new(addr: SocketAddr, counters: &Arc<Counters>) -> Self {
        counters.made.fetch_add(1, Ordering::SeqCst);
        Echo {
            addr,
            writer: None,
            buffer: Vec::new(),
            pending: HashMap::new(),
            next_id: 0,
            counters: counters.clone(),
        }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        self.counters.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// What the callers call through: one connection, or a pool of them.
#[derive(Clone)]
enum Front {
    One(EchoClient),
    Pool(Pool<Echo>),
}

impl Front {
    async fn start(
        members: usize,
        cap: Option<usize>,
        addr: SocketAddr,
        counters: &Arc<Counters>,
        options: Options,
    ) -> Self {
        if members == 0 {
            return Front::One(Echo::new(addr, counters).start_with(options).await.unwrap());
        }
        let counters = counters.clone();
        let wait = options.get_call_timeout();
        let mut pool = Pool::builder(members, move || Echo::new(addr, &counters))
            .options(options)
            .wait(wait)
            .min_connected(members);
        if let Some(cap) = cap {
            pool = pool.concurrency_per_member(cap);
        }
        Front::Pool(pool.start().await.unwrap())
    }

    /// One call, and how long the pool waited for a member before it.
    async fn echo(&self, caller: u64, seq: u64) -> (Result<Echoed, CallError>, Duration) {
        match self {
            Front::One(client) => (client.echo(caller, seq).await, Duration::ZERO),
            Front::Pool(pool) => {
                let waiting = Instant::now();
                match pool.client().await {
                    Ok(client) => {
                        let waited = waiting.elapsed();
                        (client.echo(caller, seq).await, waited)
                    }
                    // Counted as a failed call: no member was up (or under
                    // its cap) in time.
                    Err(PoolError::NoneConnected { .. } | PoolError::Busy { .. }) => {
                        (Ok(Err("no member free".into())), waiting.elapsed())
                    }
                    Err(other) => panic!("caller {caller}: unexpected {other:?}"),
                }
            }
        }
    }

    fn is_connected(&self) -> bool {
        match self {
            Front::One(client) => client.is_connected(),
            Front::Pool(pool) => pool.stats().connected == pool.stats().members,
        }
    }
}

enum Incoming {
    Read(std::io::Result<Bytes>),
    Closed,
}

#[connection]
impl Echo {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        match TcpStream::connect(self.addr).await {
            Ok(sock) => {
                let _ = sock.set_nodelay(true);
                let (reader, writer) = sock.into_split();
                ctx.attach_until_disconnect(
                    ReaderStream::new(reader),
                    Incoming::Read,
                    Incoming::Closed,
                );
                self.writer = Some(writer);
                Connect::Ok
            }
            Err(_) => Connect::Backoff(ctx.backoff().expect("exp never ends")),
        }
    }

    #[disconnect]
    async fn disconnect(&mut self, why: String) -> Disconnect<()> {
        self.counters.disconnects.fetch_add(1, Ordering::SeqCst);
        self.writer = None;
        self.buffer.clear();
        for (_, reply) in self.pending.drain() {
            let _ = reply.send(Err(why.clone()));
        }
        Disconnect::Connect(())
    }

    #[call(when_disconnected = queue)]
    async fn echo(
        &mut self,
        caller: u64,
        seq: u64,
        reply: ReplyTo<Result<(u64, u64), String>>,
        ctx: &mut Context<Self>,
    ) {
        let Some(writer) = self.writer.as_mut() else {
            let _ = reply.send(Err("not connected".into()));
            return;
        };
        self.next_id += 1;
        let id = self.next_id;
        match writer.write_all(&frame(id, caller, seq)).await {
            Ok(()) => {
                self.pending.insert(id, reply);
            }
            Err(error) => {
                let _ = reply.send(Err(error.to_string()));
                ctx.disconnect(error.to_string());
            }
        }
    }

    #[info]
    async fn on_incoming(&mut self, incoming: Incoming, ctx: &mut Context<Self>) {
        match incoming {
            Incoming::Read(Ok(bytes)) => {
                self.buffer.extend_from_slice(&bytes);
                let mut used = 0;
                while self.buffer.len() - used >= FRAME {
                    let echoed = &self.buffer[used..used + FRAME];
                    let (id, caller, seq) =
                        (field(echoed, 4), field(echoed, 12), field(echoed, 20));
                    match self.pending.remove(&id) {
                        Some(reply) => {
                            let _ = reply.send(Ok((caller, seq)));
                        }
                        None => {
                            self.counters.strays.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    used += FRAME;
                }
                self.buffer.drain(..used);
            }
            Incoming::Read(Err(error)) => ctx.disconnect(error.to_string()),
            Incoming::Closed => ctx.disconnect(String::from("closed")),
        }
    }
}

// ---------------------------------------------------------------------------
// The echo server and the fault proxy.

async fn echo_server(listener: TcpListener) {
    let mut links = JoinSet::new();
    while let Ok((mut sock, _)) = listener.accept().await {
        links.spawn(async move {
            let (mut reader, mut writer) = sock.split();
            let _ = tokio::io::copy(&mut reader, &mut writer).await;
        });
    }
}

/// A small deterministic generator for the fault schedule.
struct Schedule(u64);

impl Schedule {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn millis(&mut self, low: u64, high: u64) -> Duration {
        Duration::from_millis(low + self.below(high - low + 1))
    }
}

/// What the proxy does to one link.
#[derive(Clone, Copy)]
struct Faults {
    refuse: bool,
    /// Drop the link this long after it opens.
    lifetime: Option<Duration>,
    /// Once, stop relaying for this long, this far into the link.
    stall: Option<(Duration, Duration)>,
    /// Before relaying each chunk, wait this long.
    write_delay: Option<Duration>,
}

struct Proxy {
    faulty: AtomicBool,
    forced_down: AtomicU64,
}

async fn fault_proxy(listener: TcpListener, upstream: SocketAddr, proxy: Arc<Proxy>, seed: u64) {
    let schedule = Arc::new(Mutex::new(Schedule(seed)));
    let mut links = JoinSet::new();
    while let Ok((client, _)) = listener.accept().await {
        let faults = if proxy.faulty.load(Ordering::SeqCst) {
            let mut schedule = schedule.lock().await;
            Faults {
                refuse: schedule.chance(10),
                lifetime: Some(schedule.millis(5, 60)),
                stall: schedule
                    .chance(20)
                    .then(|| (schedule.millis(0, 20), schedule.millis(10, 150))),
                write_delay: schedule.chance(30).then(|| schedule.millis(0, 2)),
            }
        } else {
            Faults {
                refuse: false,
                lifetime: None,
                stall: None,
                write_delay: None,
            }
        };
        if faults.refuse {
            proxy.forced_down.fetch_add(1, Ordering::SeqCst);
            drop(client);
            continue;
        }
        let proxy = proxy.clone();
        links.spawn(async move {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            let opened = tokio::time::Instant::now();
            let up = relay(client_read, server_write, faults, opened);
            let down = relay(
                server_read,
                client_write,
                Faults {
                    stall: None,
                    ..faults
                },
                opened,
            );
            match faults.lifetime {
                Some(lifetime) => {
                    tokio::select! {
                        _ = async { tokio::join!(up, down) } => {}
                        () = tokio::time::sleep(lifetime) => {
                            proxy.forced_down.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
                None => {
                    tokio::join!(up, down);
                }
            }
            // Dropping both halves closes both sockets.
        });
    }
}

async fn relay(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    faults: Faults,
    opened: tokio::time::Instant,
) {
    let mut buf = vec![0; 16 * 1024];
    let mut stalled = false;
    loop {
        let Ok(n) = from.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            let _ = to.shutdown().await;
            return;
        }
        if let Some((after, length)) = faults.stall
            && !stalled
            && opened.elapsed() >= after
        {
            stalled = true;
            tokio::time::sleep(length).await;
        }
        if let Some(delay) = faults.write_delay {
            tokio::time::sleep(delay).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------------------
// The run.

struct Outcome {
    ok: u64,
    failed: u64,
    forced_down: u64,
}

async fn chaos(
    members: usize,
    cap: Option<usize>,
    seed: u64,
    callers: u64,
    calls: u64,
    fault_phase: Duration,
) -> Outcome {
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = server.local_addr().unwrap();
    let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front_addr = front.local_addr().unwrap();
    let proxy = Arc::new(Proxy {
        faulty: AtomicBool::new(true),
        forced_down: AtomicU64::new(0),
    });
    let mut infrastructure = JoinSet::new();
    infrastructure.spawn(echo_server(server));
    infrastructure.spawn(fault_proxy(front, upstream, proxy.clone(), seed));

    let counters = Arc::new(Counters::default());
    let timeout = Duration::from_secs(2);
    let options = Options::default()
        .call_timeout(timeout)
        .backoff(|| Backoff::exp(Duration::from_millis(1), Duration::from_millis(20)).unwrap());
    let client = Front::start(members, cap, front_addr, &counters, options).await;

    // How late this runtime runs a task whose timer fired, measured while the
    // callers run: a timed-out call can end no later than its timeout plus
    // that lateness twice (the timer is made one scheduler round after the
    // call began, and its task runs one round after it fires), so the
    // bound on each call's time comes from this machine's own scheduling,
    // not from a guessed slack.
    let lateness = Arc::new(AtomicU64::new(0));
    let measuring = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let lateness_probe = {
        let (lateness, measuring) = (lateness.clone(), measuring.clone());
        tokio::spawn(async move {
            while measuring.load(Ordering::Relaxed) {
                let slept = Instant::now();
                tokio::time::sleep(Duration::from_millis(5)).await;
                let late = slept.elapsed().saturating_sub(Duration::from_millis(5));
                lateness.fetch_max(u64::try_from(late.as_micros()).unwrap(), Ordering::Relaxed);
            }
        })
    };

    let started = Arc::new(AtomicU64::new(0));
    let mut workers = JoinSet::new();
    for caller in 0..callers {
        let client = client.clone();
        let started = started.clone();
        workers.spawn(async move {
            let (mut ok, mut failed) = (0u64, 0u64);
            let mut longest = Duration::ZERO;
            let mut seq = 0;
            while started.fetch_add(1, Ordering::Relaxed) < calls {
                seq += 1;
                let sent = Instant::now();
                // A pool's wait for a member is bounded on its own, by the
                // same timeout as the call.
                let (result, waited_for_member) = client.echo(caller, seq).await;
                longest = longest.max(sent.elapsed() - waited_for_member);
                longest = longest.max(waited_for_member);
                match result {
                    Ok(Ok(answer)) => {
                        assert_eq!(
                            answer,
                            (caller, seq),
                            "caller {caller} got another call's reply"
                        );
                        ok += 1;
                    }
                    Ok(Err(_lost)) => failed += 1,
                    Err(CallError::Timeout | CallError::NoReply | CallError::Full) => failed += 1,
                    Err(other) => panic!("caller {caller}: unexpected {other:?}"),
                }
            }
            (ok, failed, longest)
        });
    }

    // Faults until the phase is over and at least 100 links went down.
    let phase_end = Instant::now() + fault_phase;
    while Instant::now() < phase_end || proxy.forced_down.load(Ordering::SeqCst) < 100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy.faulty.store(false, Ordering::SeqCst);

    let (mut ok, mut failed, mut longest) = (0, 0, Duration::ZERO);
    while let Some(result) = workers.join_next().await {
        let (caller_ok, caller_failed, caller_longest) = result.unwrap();
        ok += caller_ok;
        failed += caller_failed;
        longest = longest.max(caller_longest);
    }
    assert_eq!(ok + failed, calls);
    measuring.store(false, Ordering::Relaxed);
    lateness_probe.await.unwrap();
    // Timers have millisecond ticks: one more for the rounding.
    let late = Duration::from_micros(lateness.load(Ordering::Relaxed));
    let bound = timeout + 2 * late + Duration::from_millis(2);
    assert!(
        longest <= bound,
        "a call took {longest:?}: past the timeout of {timeout:?} and twice the scheduling lateness seen meanwhile ({late:?})"
    );

    // Faults stopped: the connection ends connected and serving (a link the
    // proxy planned to drop may still be up; the first call after its end
    // may fail, so allow a few tries).
    let mut recovered = false;
    for _ in 0..50 {
        if let (Ok(Ok(answer)), _) = client.echo(u64::MAX, 1).await {
            assert_eq!(answer, (u64::MAX, 1));
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        recovered,
        "the connection did not recover once faults stopped"
    );
    // Every member reconnects (each within its backoff's longest step).
    let deadline = Instant::now() + Duration::from_secs(1);
    while !client.is_connected() {
        assert!(Instant::now() < deadline, "not every member reconnected");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        counters.strays.load(Ordering::SeqCst),
        0,
        "an old link's bytes were handled"
    );
    assert!(counters.disconnects.load(Ordering::SeqCst) >= 100);

    // Every client gone: the connection stops, and no task is left.
    drop(client);
    infrastructure.shutdown().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let metrics = tokio::runtime::Handle::current().metrics();
    while metrics.num_alive_tasks() > 0
        || counters.dropped.load(Ordering::SeqCst) < counters.made.load(Ordering::SeqCst)
    {
        assert!(
            Instant::now() < deadline,
            "{} tasks still alive after every client was dropped",
            metrics.num_alive_tasks()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    Outcome {
        ok,
        failed,
        forced_down: proxy.forced_down.load(Ordering::SeqCst),
    }
}

fn seed() -> u64 {
    std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(42)
}

/// 1,000 callers make 100,000 calls through `members` (one connection for
/// 0), capped at `cap` requests each, while links are forced down for 3 s;
/// reports what happened and checks that most calls got through.
async fn forced_disconnects(label: &str, members: usize, cap: Option<usize>) {
    let seed = seed();
    let started = Instant::now();
    let outcome = chaos(members, cap, seed, 1_000, 100_000, Duration::from_secs(3)).await;
    println!(
        "{label}, seed {seed}: {} ok, {} failed, {} links forced down, in {:?}",
        outcome.ok,
        outcome.failed,
        outcome.forced_down,
        started.elapsed()
    );
    assert!(outcome.forced_down >= 100);
    assert!(outcome.ok > outcome.failed, "most calls get through");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_calls_through_a_hundred_forced_disconnects() {
    forced_disconnects("one connection", 0, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_of_four_through_a_hundred_forced_disconnects() {
    forced_disconnects("pool of 4", 4, None).await;
}

/// The same with at most 8 requests in progress on each member: 1,000
/// callers queue in the pool for 32 slots while members go down and come
/// back (their slots held by requests that wait for them): no caller hangs,
/// none is lost, and the pool serves again once the faults stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capped_pool_of_four_through_a_hundred_forced_disconnects() {
    forced_disconnects("pool of 4, 8 per member", 4, Some(8)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a long soak; set CHAOS_SOAK_SECS (default 300)"]
async fn soak() {
    let secs = std::env::var("CHAOS_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let outcome = chaos(
        0,
        None,
        seed(),
        1_000,
        100 * secs * 1_000,
        Duration::from_secs(secs),
    )
    .await;
    assert!(outcome.forced_down >= 100);
}

/// A stop asked for during the chaos still stops it cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_under_load_answers_every_caller() {
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = server.local_addr().unwrap();
    let server = tokio::spawn(echo_server(server));
    let counters = Arc::new(Counters::default());
    let client = Echo::new(upstream, &counters).start().await.unwrap();
    let callers: Vec<_> = (0..200)
        .map(|caller| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut seq = 0;
                loop {
                    seq += 1;
                    match client.echo(caller, seq).await {
                        Ok(Ok(answer)) => assert_eq!(answer, (caller, seq)),
                        Ok(Err(_)) => {}
                        Err(CallError::Stopped(Stop::Shutdown(_))) => return seq,
                        Err(other) => panic!("unexpected {other:?}"),
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.stop(Stop::shutdown("enough")).await.unwrap();
    for caller in callers {
        assert!(caller.await.unwrap() > 0);
    }
    server.abort();
}
