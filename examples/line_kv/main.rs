//! `cargo run --example line_kv`
//!
//! Starts the example's key-value server on 127.0.0.1, then a client that
//! sets and reads keys, pipelines a burst from many tasks, keeps an idle
//! link alive, and rides out a server restart: requests made while the
//! server is down are held and answered once it is back.

mod kv;
mod server;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::kv::Kv;
use crate::server::{Server, Store};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::default();
    let server = Server::start(SocketAddr::from(([127, 0, 0, 1], 0)), store.clone()).await?;
    let addr = server.addr();
    println!("server on {addr}");

    let keepalive = Duration::from_millis(200);
    let client = Kv::new(addr, keepalive).start_with(Kv::options()).await?;
    client.set("greeting".into(), "hello world".into()).await?;
    println!("GET greeting -> {:?}", client.get("greeting".into()).await?);
    println!("GET missing -> {:?}", client.get("missing".into()).await?);

    // 100 tasks, 100 requests each, through the one connection.
    let started = Instant::now();
    let tasks: Vec<_> = (0..100)
        .map(|task| {
            let client = client.clone();
            tokio::spawn(async move {
                for n in 0..100 {
                    client.set(format!("key-{task}"), n.to_string()).await?;
                }
                Ok::<_, kv::KvError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    println!("10,000 pipelined SETs in {:?}", started.elapsed());

    tokio::time::sleep(keepalive * 3).await;
    println!(
        "idle for {:?}: {} keepalive pings",
        keepalive * 3,
        store.pings()
    );

    println!("stopping the server");
    server.stop().await;
    while client.is_connected() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!("client sees the link down; a request now waits for the next connect");
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.get("key-7".into()).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let server = Server::start(addr, store.clone()).await?;
    let restarted = Instant::now();
    println!("server back on {}", server.addr());
    let value = waiting.await??;
    println!(
        "held GET key-7 -> {value:?}, answered {:?} after the server came back",
        restarted.elapsed()
    );
    client.stop(connection::Stop::Normal).await?;
    server.stop().await;
    Ok(())
}
