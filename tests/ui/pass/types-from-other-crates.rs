//! Types from other crates in every position: tokio's `TcpStream`,
//! `Instant` and `JoinHandle`, `bytes::Bytes` through tokio-util, the
//! standard library's `SocketAddr` and `io::Error`, tracing's `Span`.
#![deny(warnings)]
use std::io;
use std::net::SocketAddr;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::bytes::Bytes;

struct Conn {
    addr: Option<SocketAddr>,
    sock: Option<TcpStream>,
    errors: Vec<io::ErrorKind>,
    span: tracing::Span,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<SocketAddr>>) -> Connect {
        if let Attempt::Requested(Some(addr)) = attempt {
            self.sock = Some(TcpStream::connect(addr).await.unwrap());
            self.addr = Some(addr);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, error: io::Error) -> Disconnect<Option<SocketAddr>> {
        tokio::task::yield_now().await;
        self.errors.push(error.kind());
        self.sock = None;
        Disconnect::Connect(self.addr)
    }

    #[call]
    async fn adopt(&mut self, sock: TcpStream, span: tracing::Span) -> Option<SocketAddr> {
        tokio::task::yield_now().await;
        let peer = sock.peer_addr().ok();
        self.sock = Some(sock);
        self.span = span;
        peer
    }

    #[call]
    async fn echo(&mut self, bytes: Bytes) -> (Bytes, tokio::time::Instant) {
        tokio::task::yield_now().await;
        (bytes, tokio::time::Instant::now())
    }

    #[call]
    async fn spawn(&mut self, reply: ReplyTo<JoinHandle<u32>>) {
        let _ = reply.send(tokio::spawn(async { 42 }));
    }

    #[cast]
    async fn target(&mut self, addr: SocketAddr) {
        self.addr = Some(addr);
    }

    #[info]
    async fn failed(&mut self, error: io::Error) {
        tokio::task::yield_now().await;
        self.errors.push(error.kind());
    }

    #[cast]
    async fn lose(&mut self, error: io::Error, ctx: &mut Context<Self>) {
        ctx.disconnect(error);
    }

    #[call]
    async fn state(&mut self) -> (bool, Vec<io::ErrorKind>) {
        (self.sock.is_some(), self.errors.clone())
    }
}

#[tokio::main]
async fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..2 {
            held.push(listener.accept().await.unwrap().0);
        }
        held
    });
    let client = Conn { addr: None, sock: None, errors: Vec::new(), span: tracing::Span::none() }.start().await.unwrap();
    let sock = TcpStream::connect(addr).await.unwrap();
    assert_eq!(client.adopt(sock, tracing::Span::current()).await.unwrap(), Some(addr));
    let (bytes, _at) = client.echo(Bytes::from_static(b"hi")).await.unwrap();
    assert_eq!(&bytes[..], b"hi");
    assert_eq!(client.spawn().await.unwrap().await.unwrap(), 42);
    client.target(addr).await.unwrap();
    client.info(io::Error::from(io::ErrorKind::TimedOut)).await.unwrap();
    client.lose(io::Error::from(io::ErrorKind::ConnectionReset)).await.unwrap();
    assert_eq!(client.state().await.unwrap(), (true, vec![io::ErrorKind::TimedOut, io::ErrorKind::ConnectionReset]));
    client.stop(Stop::Normal).await.unwrap();
    assert_eq!(accept.await.unwrap().len(), 2);
}
