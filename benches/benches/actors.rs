//! Time per operation, each implementation measured in the same run, on a
//! current-thread runtime and on a 2-worker runtime:
//!
//! - `call_latency`: one caller, one call at a time;
//! - `call_throughput_64`: 64 concurrent callers (time per call);
//! - `cast_throughput`: one sender, casts then one flushing call (time per cast);
//! - `start`: starting one actor (and dropping its handle);
//! - `reconnect_cycle`: a disconnect then a connect with zero backoff (the
//!   generated connection and the hand-written actor doing the same by hand).

use std::time::{Duration, Instant};

use connection_benches::generated::CounterClient;
use connection_benches::handwritten::CounterHandle;
use connection_benches::ractor_actor::CounterRef;
use connection_benches::{Subject, Untimed, generated, handwritten};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use kameo::actor::ActorRef;
use tokio::runtime::{Builder, Runtime};

const CALLERS: u64 = 64;

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

fn each_subject(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rt: &Runtime,
    bench: impl Fn(&mut BenchmarkGroup<'_, WallTime>, &Runtime, &'static str, Kind),
) {
    for kind in [
        Kind::Handwritten,
        Kind::Generated,
        Kind::GeneratedUntimed,
        Kind::Kameo,
        Kind::Ractor,
    ] {
        bench(group, rt, kind.name(), kind);
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Handwritten,
    Generated,
    GeneratedUntimed,
    Kameo,
    Ractor,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Handwritten => "handwritten",
            Kind::Generated => "generated",
            Kind::GeneratedUntimed => "generated_untimed",
            Kind::Kameo => "kameo",
            Kind::Ractor => "ractor",
        }
    }
}

/// Runs `body` with a started subject of `kind`.
macro_rules! with_subject {
    ($kind:expr, $rt:expr, |$subject:ident| $body:expr) => {
        match $kind {
            Kind::Handwritten => {
                let $subject: CounterHandle = $rt.block_on(<CounterHandle as Subject>::start());
                $body
            }
            Kind::Generated => {
                let $subject: CounterClient = $rt.block_on(<CounterClient as Subject>::start());
                $body
            }
            Kind::GeneratedUntimed => {
                let $subject: Untimed = $rt.block_on(<Untimed as Subject>::start());
                $body
            }
            Kind::Kameo => {
                let $subject: ActorRef<connection_benches::kameo_actor::Counter> = $rt.block_on(
                    <ActorRef<connection_benches::kameo_actor::Counter> as Subject>::start(),
                );
                $body
            }
            Kind::Ractor => {
                let $subject: CounterRef = $rt.block_on(<CounterRef as Subject>::start());
                $body
            }
        }
    };
}

fn call_latency(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("call_latency/{flavor}"));
        each_subject(&mut group, &rt, |group, rt, name, kind| {
            with_subject!(kind, rt, |subject| {
                group.bench_function(name, |b| b.to_async(rt).iter(|| subject.call(1)));
            });
        });
        group.finish();
    }
}

async fn concurrent_calls<S: Subject>(subject: &S, iters: u64) -> Duration {
    let per_caller = iters.div_ceil(CALLERS);
    let started = Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let subject = subject.clone();
            tokio::spawn(async move {
                for _ in 0..per_caller {
                    subject.call(1).await;
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    // Scaled to the `iters` calls asked for.
    started
        .elapsed()
        .mul_f64(iters as f64 / (per_caller * CALLERS) as f64)
}

fn call_throughput(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("call_throughput_64/{flavor}"));
        each_subject(&mut group, &rt, |group, rt, name, kind| {
            with_subject!(kind, rt, |subject| {
                group.bench_function(name, |b| {
                    b.to_async(rt).iter_custom(|iters| {
                        let subject = subject.clone();
                        async move { concurrent_calls(&subject, iters).await }
                    });
                });
            });
        });
        group.finish();
    }
}

async fn casts_then_flush<S: Subject>(subject: &S, iters: u64) -> Duration {
    let started = Instant::now();
    for _ in 0..iters {
        subject.cast(1).await;
    }
    subject.call(0).await;
    started.elapsed()
}

fn cast_throughput(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("cast_throughput/{flavor}"));
        each_subject(&mut group, &rt, |group, rt, name, kind| {
            with_subject!(kind, rt, |subject| {
                group.bench_function(name, |b| {
                    b.to_async(rt).iter_custom(|iters| {
                        let subject = subject.clone();
                        async move { casts_then_flush(&subject, iters).await }
                    });
                });
            });
        });
        group.finish();
    }
}

fn start(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("start/{flavor}"));
        group.bench_function("handwritten", |b| {
            b.to_async(&rt).iter(<CounterHandle as Subject>::start)
        });
        group.bench_function("generated", |b| {
            b.to_async(&rt).iter(<CounterClient as Subject>::start)
        });
        group.bench_function("kameo", |b| {
            b.to_async(&rt)
                .iter(<ActorRef<connection_benches::kameo_actor::Counter> as Subject>::start)
        });
        group.bench_function("ractor", |b| {
            b.to_async(&rt).iter(<CounterRef as Subject>::start)
        });
        group.finish();
    }
}

fn reconnect_cycle(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("reconnect_cycle/{flavor}"));
        let handwritten: handwritten::CounterHandle =
            rt.block_on(<CounterHandle as Subject>::start());
        group.bench_function("handwritten", |b| {
            b.to_async(&rt).iter(|| handwritten.cycle())
        });
        let generated: generated::CounterClient = rt.block_on(<CounterClient as Subject>::start());
        group.bench_function("generated", |b| {
            b.to_async(&rt)
                .iter(|| async { generated.cycle().await.unwrap() })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = call_latency, call_throughput, cast_throughput, start, reconnect_cycle
}
criterion_main!(benches);
