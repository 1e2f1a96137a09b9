//! The `line_kv` example end to end over loopback: its client against its
//! own server. Round trips, many callers pipelined, keepalive pings on an
//! idle link, and a server restart ridden out with requests held while it
//! is down. (Callers in flight when a link dies: `tests/runtime/pipeline.rs`.)

#[allow(dead_code)]
#[path = "../../examples/line_kv/kv.rs"]
mod kv;
#[allow(dead_code)]
#[path = "../../examples/line_kv/server.rs"]
mod server;

use std::net::SocketAddr;
use std::time::Duration;

use self::kv::{Kv, KvClient, KvError};
use self::server::{Server, Store};

const LONG_KEEPALIVE: Duration = Duration::from_secs(3600);

async fn setup(keepalive: Duration) -> (Store, Server, KvClient) {
    let store = Store::default();
    let server = Server::start(SocketAddr::from(([127, 0, 0, 1], 0)), store.clone())
        .await
        .unwrap();
    let client = Kv::new(server.addr(), keepalive)
        .start_with(Kv::options())
        .await
        .unwrap();
    (store, server, client)
}

/// Waits until `condition` holds; fails after 10 s (a bound for a hang,
/// not a measure of how fast it should be).
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn set_get_and_nil() {
    let (_store, _server, client) = setup(LONG_KEEPALIVE).await;
    assert_eq!(client.get("k".into()).await.unwrap(), None);
    client
        .set("k".into(), "a value with spaces".into())
        .await
        .unwrap();
    assert_eq!(
        client.get("k".into()).await.unwrap().as_deref(),
        Some("a value with spaces")
    );
    let error = client.set("two words".into(), "v".into()).await;
    assert!(error.is_ok(), "the key is `two`, the value `words v`");
    let error = client.request("NONSENSE".into()).await.unwrap_err();
    assert!(
        matches!(&error, KvError::Reply(line) if line.starts_with("ERR")),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_callers_each_read_their_own_writes() {
    let (_store, _server, client) = setup(LONG_KEEPALIVE).await;
    let tasks: Vec<_> = (0..100)
        .map(|task| {
            let client = client.clone();
            tokio::spawn(async move {
                let key = format!("key-{task}");
                for n in 0..50 {
                    client.set(key.clone(), n.to_string()).await.unwrap();
                    let value = client.get(key.clone()).await.unwrap();
                    assert_eq!(value, Some(n.to_string()));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test]
async fn an_idle_link_is_kept_alive_with_pings() {
    let (store, _server, client) = setup(Duration::from_millis(20)).await;
    client.set("k".into(), "v".into()).await.unwrap();
    eventually("three keepalive pings", || store.pings() >= 3).await;
    // The pings' answers reach nobody and disturb nothing.
    assert_eq!(client.get("k".into()).await.unwrap().as_deref(), Some("v"));
}

#[tokio::test]
async fn a_busy_link_is_not_pinged() {
    let (store, _server, client) = setup(Duration::from_secs(3600)).await;
    for n in 0..100 {
        client.set("k".into(), n.to_string()).await.unwrap();
    }
    assert_eq!(store.pings(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_made_while_the_server_is_down_are_answered_once_it_is_back() {
    let (store, server, client) = setup(LONG_KEEPALIVE).await;
    client.set("k".into(), "before".into()).await.unwrap();
    let addr = server.addr();
    server.stop().await;
    eventually("the client sees the link down", || !client.is_connected()).await;
    let held: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get("k".into()).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _server = Server::start(addr, store).await.unwrap();
    for request in held {
        assert_eq!(request.await.unwrap().unwrap().as_deref(), Some("before"));
    }
    assert!(client.is_connected());
}
