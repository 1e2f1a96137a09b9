//! Resident memory per idle actor: 100,000 started, RSS before and after,
//! each implementation in a fresh process so that none reuses memory another
//! freed. Prints one Markdown row per implementation and runtime.

use std::process::Command;
use std::time::Instant;

use connection_benches::Subject;
use connection_benches::generated::CounterClient;
use connection_benches::handwritten::CounterHandle;
use connection_benches::ractor_actor::CounterRef;
use kameo::actor::ActorRef;

const ACTORS: usize = 100_000;
const KINDS: [&str; 4] = ["handwritten", "generated", "kameo", "ractor"];
const FLAVORS: [&str; 2] = ["current_thread", "multi_thread_2"];

/// Resident set size in bytes, from `/proc/self/statm`.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

async fn measure<S: Subject>() -> (f64, f64) {
    // Warm the runtime and allocator with one actor first.
    let warm = S::start().await;
    let _ = warm.call(0).await;
    let before = rss();
    let started = Instant::now();
    let mut actors = Vec::with_capacity(ACTORS);
    for _ in 0..ACTORS {
        actors.push(S::start().await);
    }
    let elapsed = started.elapsed();
    // Let every actor reach its idle wait.
    for actor in actors.iter().step_by(1000) {
        actor.call(0).await;
    }
    let after = rss();
    let per_actor = (after.saturating_sub(before)) as f64 / ACTORS as f64;
    (per_actor, elapsed.as_nanos() as f64 / ACTORS as f64)
}

fn child(kind: &str, flavor: &str) {
    let rt = match flavor {
        "current_thread" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        _ => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
    }
    .unwrap();
    let (bytes, start_ns) = rt.block_on(async {
        match kind {
            "handwritten" => measure::<CounterHandle>().await,
            "generated" => measure::<CounterClient>().await,
            "kameo" => measure::<ActorRef<connection_benches::kameo_actor::Counter>>().await,
            _ => measure::<CounterRef>().await,
        }
    });
    println!("{kind} {flavor} {bytes:.0} {start_ns:.0}");
}

fn main() {
    if let (Ok(kind), Ok(flavor)) = (std::env::var("MEMORY_KIND"), std::env::var("MEMORY_FLAVOR")) {
        child(&kind, &flavor);
        return;
    }
    // `cargo bench` passes `--bench`; a filter argument picks one kind.
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with("--"));
    let exe = std::env::current_exe().unwrap();
    println!(
        "| runtime | implementation | bytes per idle actor | ratio | start, ns per actor (in the 100k loop) | ratio |"
    );
    println!("|---|---|---|---|---|---|");
    for flavor in FLAVORS {
        let mut baseline = None;
        for kind in KINDS {
            if filter
                .as_deref()
                .is_some_and(|filter| !kind.contains(filter))
            {
                continue;
            }
            let output = Command::new(&exe)
                .env("MEMORY_KIND", kind)
                .env("MEMORY_FLAVOR", flavor)
                .output()
                .expect("re-run this binary");
            let line = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<f64> = line
                .split_whitespace()
                .skip(2)
                .map(|f| f.parse().unwrap())
                .collect();
            let (bytes, start_ns) = (fields[0], fields[1]);
            let (base_bytes, base_ns) = *baseline.get_or_insert((bytes, start_ns));
            println!(
                "| {flavor} | {kind} | {bytes:.0} | {:.2}× | {start_ns:.0} | {:.2}× |",
                bytes / base_bytes,
                start_ns / base_ns
            );
        }
    }
}
