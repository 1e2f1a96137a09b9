//! A TCP proxy on loopback that can black-hole the links it holds, as a
//! partition or a dead route does: no FIN, no RST, nothing more forwarded.
//! Shared by `tests/examples/redis.rs` and the Redis benchmark.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// A proxy in front of `upstream` whose open links can be black-holed:
/// they stay open and forward nothing more, while new links pass.
pub(crate) struct Proxy {
    pub(crate) addr: SocketAddr,
    /// Links opened before this generation forward nothing.
    cut_before: Arc<AtomicU64>,
    /// The generation of the last link opened.
    opened: Arc<AtomicU64>,
}

impl Proxy {
    pub(crate) async fn start(upstream: SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut_before = Arc::new(AtomicU64::new(0));
        let opened = Arc::new(AtomicU64::new(0));
        let (cut, last) = (cut_before.clone(), opened.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let generation = last.fetch_add(1, Ordering::Relaxed) + 1;
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let live = {
                    let cut = cut.clone();
                    move || cut.load(Ordering::Relaxed) <= generation
                };
                tokio::spawn(forward(client_read, server_write, live.clone()));
                tokio::spawn(forward(server_read, client_write, live));
            }
        });
        Proxy {
            addr,
            cut_before,
            opened,
        }
    }

    /// Every link open now goes silent, its sockets kept open; new links
    /// pass.
    pub(crate) fn black_hole_open_links(&self) {
        let opened = self.opened.load(Ordering::Relaxed);
        self.cut_before.store(opened + 1, Ordering::Relaxed);
    }
}

/// Copies `from` to `to` while `live()`; then holds both open, silent.
async fn forward(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, live: impl Fn() -> bool) {
    let mut buf = vec![0; 16 * 1024];
    loop {
        let Ok(n) = from.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        if !live() {
            // Black-holed: what came is dropped, and nothing more is read
            // (the sender's socket buffer fills, as a dead route does).
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
