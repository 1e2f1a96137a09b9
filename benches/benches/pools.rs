//! What a pool costs, each measured in the same run, on a current-thread
//! runtime and on a 2-worker runtime:
//!
//! - `pool_call`: one caller, one call at a time, to the bare generated
//!   client and through `connection::pool` pools of 1 and 4 members (a
//!   member chosen per call), and through a `PoolMap` of one key whose
//!   pool has 1 member (the key looked up per call);
//! - `pool_call_64`: the same with 64 concurrent callers (time per call);
//! - `checkout`: the deadpool author's method (bikeshedder's
//!   async-pool-benchmark): what a pool adds to a trivial piece of work.
//!   Ours: choose a member and take its client; deadpool and bb8: `get` a
//!   trivial object and give it back. Pools of 8, from 1 task and from 16
//!   tasks at once (time per operation).

use std::convert::Infallible;
use std::time::{Duration, Instant};

use connection::pool::{Pool, PoolMap};
use connection_benches::Subject;
use connection_benches::generated::{Counter, CounterClient};
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::{Builder, Runtime};

const CALLERS: u64 = 64;
const TASKS: u64 = 16;
const MEMBERS: usize = 8;

fn runtimes() -> [(&'static str, Runtime); 2] {
    [
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi_thread_2",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

/// A pool of `size` counters, each started as the bare client is.
async fn counters(size: usize) -> Pool<Counter> {
    let options = connection::Options::default()
        .mailbox_capacity(std::num::NonZeroUsize::new(connection_benches::CAPACITY).unwrap());
    Pool::builder(size, Counter::new)
        .options(options)
        .min_connected(size)
        .start()
        .await
        .unwrap()
}

/// One call, to the bare client or through a pool.
#[derive(Clone)]
enum Caller {
    Bare(CounterClient),
    Pool(Pool<Counter>),
    Keyed(PoolMap<u8, Counter>),
}

impl Caller {
    async fn call(&self, n: u64) -> u64 {
        match self {
            Caller::Bare(client) => client.add(n).await.unwrap(),
            Caller::Pool(pool) => pool.client().await.unwrap().add(n).await.unwrap(),
            Caller::Keyed(map) => {
                let pool = map.pool(&0).await.unwrap();
                pool.client().await.unwrap().add(n).await.unwrap()
            }
        }
    }
}

fn callers(rt: &Runtime) -> [(&'static str, Caller); 4] {
    let options = connection::Options::default()
        .mailbox_capacity(std::num::NonZeroUsize::new(connection_benches::CAPACITY).unwrap());
    let map = PoolMap::new(move |_: &u8| {
        Pool::builder(1, Counter::new)
            .options(options.clone())
            .min_connected(1)
    });
    rt.block_on(map.pool(&0)).unwrap();
    [
        ("bare", Caller::Bare(rt.block_on(CounterClient::start()))),
        ("pool_1", Caller::Pool(rt.block_on(counters(1)))),
        ("pool_4", Caller::Pool(rt.block_on(counters(4)))),
        ("map_pool_1", Caller::Keyed(map)),
    ]
}

fn pool_call(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("pool_call/{flavor}"));
        for (name, caller) in callers(&rt) {
            group.bench_function(name, |b| b.to_async(&rt).iter(|| caller.call(1)));
        }
        group.finish();
    }
}

async fn concurrent_calls(caller: &Caller, iters: u64) -> Duration {
    let per_caller = iters.div_ceil(CALLERS);
    let started = Instant::now();
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let caller = caller.clone();
            tokio::spawn(async move {
                for _ in 0..per_caller {
                    caller.call(1).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started
        .elapsed()
        .mul_f64(iters as f64 / (per_caller * CALLERS) as f64)
}

fn pool_call_64(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("pool_call_64/{flavor}"));
        for (name, caller) in callers(&rt) {
            group.bench_function(name, |b| {
                b.to_async(&rt).iter_custom(|iters| {
                    let caller = caller.clone();
                    async move { concurrent_calls(&caller, iters).await }
                });
            });
        }
        group.finish();
    }
}

/// deadpool's manager of a trivial object.
struct Trivial;

impl deadpool::managed::Manager for Trivial {
    type Type = u64;
    type Error = Infallible;

    async fn create(&self) -> Result<u64, Infallible> {
        Ok(0)
    }

    async fn recycle(
        &self,
        _object: &mut u64,
        _metrics: &deadpool::managed::Metrics,
    ) -> deadpool::managed::RecycleResult<Infallible> {
        Ok(())
    }
}

/// bb8's manager of the same trivial object.
struct TrivialBb8;

impl bb8::ManageConnection for TrivialBb8 {
    type Connection = u64;
    type Error = Infallible;

    async fn connect(&self) -> Result<u64, Infallible> {
        Ok(0)
    }

    async fn is_valid(&self, _connection: &mut u64) -> Result<(), Infallible> {
        Ok(())
    }

    fn has_broken(&self, _connection: &mut u64) -> bool {
        false
    }
}

/// One checkout and its return, for each pool.
#[derive(Clone)]
enum Checkout {
    Ours(Pool<Counter>),
    Deadpool(deadpool::managed::Pool<Trivial>),
    Bb8(bb8::Pool<TrivialBb8>),
}

impl Checkout {
    async fn once(&self) {
        match self {
            Checkout::Ours(pool) => drop(std::hint::black_box(pool.client().await.unwrap())),
            Checkout::Deadpool(pool) => drop(std::hint::black_box(pool.get().await.unwrap())),
            Checkout::Bb8(pool) => drop(std::hint::black_box(pool.get().await.unwrap())),
        }
    }
}

fn checkouts(rt: &Runtime) -> [(&'static str, Checkout); 3] {
    let deadpool = deadpool::managed::Pool::builder(Trivial)
        .max_size(MEMBERS)
        .build()
        .unwrap();
    let bb8 = rt.block_on(async {
        bb8::Pool::builder()
            .max_size(MEMBERS as u32)
            // bb8 tests each connection on checkout by default.
            .test_on_check_out(true)
            .build(TrivialBb8)
            .await
            .unwrap()
    });
    [
        (
            "connection_pool",
            Checkout::Ours(rt.block_on(counters(MEMBERS))),
        ),
        ("deadpool", Checkout::Deadpool(deadpool)),
        ("bb8", Checkout::Bb8(bb8)),
    ]
}

async fn concurrent_checkouts(checkout: &Checkout, tasks: u64, iters: u64) -> Duration {
    let per_task = iters.div_ceil(tasks);
    let started = Instant::now();
    let running: Vec<_> = (0..tasks)
        .map(|_| {
            let checkout = checkout.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    checkout.once().await;
                }
            })
        })
        .collect();
    for task in running {
        task.await.unwrap();
    }
    started
        .elapsed()
        .mul_f64(iters as f64 / (per_task * tasks) as f64)
}

fn checkout(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        for tasks in [1, TASKS] {
            let mut group = c.benchmark_group(format!("checkout_{tasks}/{flavor}"));
            for (name, checkout) in checkouts(&rt) {
                group.bench_function(name, |b| {
                    b.to_async(&rt).iter_custom(|iters| {
                        let checkout = checkout.clone();
                        async move { concurrent_checkouts(&checkout, tasks, iters).await }
                    });
                });
            }
            group.finish();
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = pool_call, pool_call_64, checkout
}
criterion_main!(benches);
