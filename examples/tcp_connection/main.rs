//! `cargo run --example tcp_connection`
//!
//! Starts its own server on 127.0.0.1 (it greets with "hello" and echoes),
//! then shows the connection's life: connect, a round trip, the server going
//! away while a recv waits, reconnect attempts with backoff, a call refused
//! while down, the server coming back, close, stop.

mod tcp;

use std::net::SocketAddr;
use std::time::Duration;

use connection::Stop;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::tcp::Tcp;

/// Serves on `listener` until aborted: greets each client with "hello", then
/// echoes what it reads. Aborting it drops every socket it accepted.
fn serve(listener: TcpListener) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut sockets = JoinSet::new();
        while let Ok((mut sock, _)) = listener.accept().await {
            sockets.spawn(async move {
                sock.write_all(b"hello").await?;
                let mut buf = [0; 1024];
                loop {
                    let n = sock.read(&mut buf).await?;
                    if n == 0 {
                        return Ok::<_, std::io::Error>(());
                    }
                    sock.write_all(&buf[..n]).await?;
                }
            });
        }
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;
    println!("[server] listening on {addr}");
    let server = serve(listener);

    let client = Tcp::new(addr).start_with(Tcp::options()).await?;
    let greeting = client.recv(5, Duration::from_secs(1)).await??;
    println!("[main] received {:?}", String::from_utf8_lossy(&greeting));

    client.send(b"ping".to_vec()).await??;
    let echo = client.recv(4, Duration::from_secs(1)).await??;
    println!(
        "[main] sent \"ping\", got back {:?}",
        String::from_utf8_lossy(&echo)
    );

    // A recv waits for bytes that will never come: the server goes away,
    // the connection notices at once (its reader is attached), fails the
    // recv, reconnects at once, and backs off while nobody listens.
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.recv(4, Duration::from_secs(5)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    println!("[server] going down: dropping every socket and the listener");
    server.abort();
    let _ = server.await;
    println!("[main] the pending recv: {:?}", pending.await?);

    tokio::time::sleep(Duration::from_millis(800)).await;
    let down = client.send(b"anyone?".to_vec()).await;
    println!("[main] send while down: {down:?}");

    println!("[server] back up on {addr}");
    let server = serve(TcpListener::bind(addr).await?);
    while !client.is_connected() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let greeting = client.recv(5, Duration::from_secs(1)).await??;
    println!(
        "[main] received {:?} after the reconnect",
        String::from_utf8_lossy(&greeting)
    );

    client.close().await?;
    println!("[main] close returned; the connection reconnects at once");
    let greeting = client.recv(5, Duration::from_secs(1)).await??;
    println!(
        "[main] received {:?} on the new socket",
        String::from_utf8_lossy(&greeting)
    );

    client.stop(Stop::Normal).await?;
    println!("[main] stop returned: {}", client.stopped().await);
    server.abort();
    Ok(())
}
