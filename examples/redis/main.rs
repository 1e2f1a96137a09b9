//! `cargo run --example redis -- 127.0.0.1:6379`
//!
//! A few commands against a running Redis server (default 127.0.0.1:6379),
//! then a pipelined burst from many tasks through one connection.

mod redis;
mod resp;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::redis::Redis;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6379".to_owned())
        .parse()?;
    let client = Redis::client(addr).await?;

    println!("PING -> {}", client.ping().await?);
    client.set("greeting".into(), b"hello".into(), None).await?;
    let greeting = client.get("greeting".into()).await?;
    println!(
        "GET greeting -> {:?}",
        greeting.as_deref().map(String::from_utf8_lossy)
    );
    client
        .set(
            "short-lived".into(),
            b"soon gone".into(),
            Some(Duration::from_millis(100)),
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(150)).await;
    println!(
        "GET short-lived after 150 ms -> {:?}",
        client.get("short-lived".into()).await?
    );
    println!("DEL greeting -> {}", client.del("greeting".into()).await?);

    // 100 tasks, 100 INCRs each, all through the one connection.
    client.del("counter".into()).await?;
    let started = Instant::now();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..100 {
                    client.incr("counter".into()).await?;
                }
                Ok::<_, redis::RedisError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let counter = client.get("counter".into()).await?;
    println!(
        "10,000 pipelined INCRs in {:?} -> counter = {}",
        started.elapsed(),
        String::from_utf8_lossy(&counter.unwrap_or_default())
    );
    Ok(())
}
