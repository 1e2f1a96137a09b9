//! The original's end-to-end check of its TCP example, against the example's
//! own connection type, over real loopback sockets.

#[path = "../../examples/tcp_connection/tcp.rs"]
mod tcp;

use std::io;
use std::time::Duration;

use connection::Stop;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use self::tcp::Tcp;

/// Long enough never to fire on a healthy machine; it only turns a bug into
/// a failure instead of a hang.
const PATIENCE: Duration = Duration::from_secs(10);

async fn accept(listener: &TcpListener) -> TcpStream {
    let (sock, _) = timeout(PATIENCE, listener.accept()).await.unwrap().unwrap();
    sock
}

async fn read_exactly(sock: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    timeout(PATIENCE, sock.read_exact(&mut buf))
        .await
        .unwrap()
        .unwrap();
    buf
}

#[tokio::test]
async fn connects_receives_sends_closes_and_reconnects() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = Tcp::new(listener.local_addr().unwrap())
        .start_with(Tcp::options())
        .await
        .unwrap();

    // Connected at start.
    let mut first = accept(&listener).await;
    first.write_all(b"hello").await.unwrap();
    let greeting = client.recv(5, PATIENCE).await.unwrap().unwrap();
    assert_eq!(greeting, b"hello");

    client.send(b"abc".to_vec()).await.unwrap().unwrap();
    assert_eq!(read_exactly(&mut first, 3).await, b"abc");

    // `close` returns once the socket is closed, and the server sees it.
    client.close().await.unwrap();
    let mut rest = Vec::new();
    let read = timeout(PATIENCE, first.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, 0, "the server sees the socket closed");

    // The connection reconnects at once, and sends go to the new socket.
    let mut second = accept(&listener).await;
    client.send(b"again".to_vec()).await.unwrap().unwrap();
    assert_eq!(read_exactly(&mut second, 5).await, b"again");

    client.stop(Stop::Normal).await.unwrap();
}

#[tokio::test]
async fn a_recv_timeout_keeps_the_link_and_a_lost_peer_is_reconnected() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = Tcp::new(listener.local_addr().unwrap())
        .start_with(Tcp::options())
        .await
        .unwrap();
    let mut first = accept(&listener).await;

    let error = client
        .recv(1, Duration::from_millis(20))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert!(client.is_connected());
    // Bytes that arrive later are kept for the next recv.
    first.write_all(b"late").await.unwrap();
    assert_eq!(client.recv(4, PATIENCE).await.unwrap().unwrap(), b"late");

    // The peer goes away while a recv waits: the recv fails at once, and
    // the connection reconnects.
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.recv(1, PATIENCE).await }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    drop(first);
    let error = pending.await.unwrap().unwrap().unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    let mut second = accept(&listener).await;
    client.send(b"back".to_vec()).await.unwrap().unwrap();
    assert_eq!(read_exactly(&mut second, 4).await, b"back");
}

#[tokio::test]
async fn nothing_read_from_an_old_socket_is_received_after_a_reconnect() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = Tcp::new(listener.local_addr().unwrap())
        .start_with(Tcp::options())
        .await
        .unwrap();
    let mut first = accept(&listener).await;
    first.write_all(b"old").await.unwrap();
    // Wait until the old bytes are surely read and buffered.
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.close().await.unwrap();
    let mut second = accept(&listener).await;
    second.write_all(b"new").await.unwrap();
    assert_eq!(client.recv(3, PATIENCE).await.unwrap().unwrap(), b"new");
}

#[tokio::test]
async fn while_the_peer_is_down_calls_fail_fast_and_backoff_reconnects_later() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = Tcp::new(addr).start_with(Tcp::options()).await.unwrap();
    let first = accept(&listener).await;

    while !client.is_connected() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(listener);
    drop(first);
    while client.is_connected() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let error = client.send(b"x".to_vec()).await.unwrap_err();
    assert!(
        matches!(error, connection::CallError::NotConnected),
        "{error:?}"
    );
    assert!(!client.is_connected());

    // The backoff retries find the listener once it is back.
    let listener = TcpListener::bind(addr).await.unwrap();
    let mut back = accept(&listener).await;
    while !client.is_connected() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    client.send(b"up".to_vec()).await.unwrap().unwrap();
    assert_eq!(read_exactly(&mut back, 2).await, b"up");
}
