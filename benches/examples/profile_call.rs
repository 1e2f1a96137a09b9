//! `cargo build --release --example profile_call`, then run under
//! `valgrind --tool=callgrind`: 100,000 calls on a current-thread runtime,
//! to see where a call's instructions go. The argument picks what runs:
//! `calls` (the default), `untimed` (calls without a timeout),
//! `handwritten` (the baseline's calls), `casts`, `handwritten-casts`,
//! `starts`, `handwritten-starts` (an actor started, dropped and ended),
//! `cycles`, `handwritten-cycles` (a disconnect then a connect),
//! `pool`, `pool-4` (calls through a `connection::pool` of 1 and 4
//! members, a member chosen per call) and `pool-capped` (a pool of 1 with
//! a cap of 8 requests per member).

use connection_benches::Subject;
use connection_benches::generated::CounterClient;
use connection_benches::handwritten::CounterHandle;

/// How many calls or casts: `PROFILE_ITERATIONS`, 100,000 by default.
fn iterations() -> u64 {
    std::env::var("PROFILE_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}

async fn calls<S: Subject>() {
    let subject = S::start().await;
    for _ in 0..iterations() {
        subject.call(1).await;
    }
}

async fn casts<S: Subject>() {
    let subject = S::start().await;
    for _ in 0..iterations() {
        subject.cast(1).await;
    }
    subject.call(0).await;
}

/// Starts and drops one actor at a time, letting each task end before the
/// next start: the whole life of an idle actor.
async fn starts<S: Subject>() {
    for _ in 0..iterations() {
        drop(S::start().await);
        // The task sees its last handle gone and ends.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
    }
}

async fn cycles_generated() {
    let subject = CounterClient::start().await;
    for _ in 0..iterations() {
        subject.cycle().await.unwrap();
    }
}

async fn cycles_handwritten() {
    let subject = CounterHandle::start().await;
    for _ in 0..iterations() {
        subject.cycle().await;
    }
}

async fn pool_calls(members: usize, cap: Option<usize>) {
    let mut builder =
        connection::pool::Pool::builder(members, connection_benches::generated::Counter::new)
            .min_connected(members);
    if let Some(cap) = cap {
        builder = builder.concurrency_per_member(cap);
    }
    let pool = builder.start().await.unwrap();
    for _ in 0..iterations() {
        pool.client().await.unwrap().add(1).await.unwrap();
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match std::env::args().nth(1).as_deref() {
        Some("handwritten") => rt.block_on(calls::<CounterHandle>()),
        Some("untimed") => rt.block_on(calls::<connection_benches::Untimed>()),
        Some("casts") => rt.block_on(casts::<CounterClient>()),
        Some("handwritten-casts") => rt.block_on(casts::<CounterHandle>()),
        Some("starts") => rt.block_on(starts::<CounterClient>()),
        Some("handwritten-starts") => rt.block_on(starts::<CounterHandle>()),
        Some("cycles") => rt.block_on(cycles_generated()),
        Some("handwritten-cycles") => rt.block_on(cycles_handwritten()),
        Some("pool") => rt.block_on(pool_calls(1, None)),
        Some("pool-4") => rt.block_on(pool_calls(4, None)),
        Some("pool-capped") => rt.block_on(pool_calls(1, Some(8))),
        _ => rt.block_on(calls::<CounterClient>()),
    }
}
