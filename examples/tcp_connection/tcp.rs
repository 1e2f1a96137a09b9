//! The original's `examples/tcp_connection`, in Rust: a TCP client that
//! connects at start, reconnects at once when the link drops, and backs off
//! (the runtime's `exp` policy) while the peer is down.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use connection::{
    Attempt, Backoff, Connect, Context, Disconnect, Options, ReplyTo, Stop, connection,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A TCP connection to one peer.
pub struct Tcp {
    addr: SocketAddr,
    sock: Option<TcpStream>,
}

impl Tcp {
    pub fn new(addr: SocketAddr) -> Self {
        Tcp { addr, sock: None }
    }

    /// How the example starts it: retries 100 ms apart at first, doubling up
    /// to 2 s (the default policy, jittered 1 s to 30 s, suits real peers).
    pub fn options() -> Options {
        let ms = Duration::from_millis;
        Options::default().backoff(move || Backoff::exp(ms(100), ms(2_000)).expect("min <= max"))
    }
}

/// Why the connection disconnects.
pub enum Why {
    /// The socket failed.
    Io(io::Error),
    /// `close` was called; answer it once the socket is closed.
    Close(ReplyTo<()>),
}

fn not_connected() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "not connected")
}

/// A copy of an I/O error for the caller, while the original goes to
/// `disconnect`.
fn copy(error: &io::Error) -> io::Error {
    io::Error::new(error.kind(), error.to_string())
}

#[connection]
impl Tcp {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        match TcpStream::connect(self.addr).await {
            Ok(sock) => {
                let how = if attempt.is_backoff() {
                    "after backoff"
                } else {
                    "at once"
                };
                println!("[tcp] connected to {} ({how})", self.addr);
                self.sock = Some(sock);
                Connect::Ok
            }
            Err(error) => match ctx.backoff() {
                Some(delay) => {
                    println!("[tcp] connect failed ({error}); retrying in {delay:?}");
                    Connect::Backoff(delay)
                }
                None => Connect::Stop(Stop::error(error)),
            },
        }
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<()> {
        if let Some(mut sock) = self.sock.take() {
            let _ = sock.shutdown().await;
        }
        match why {
            Why::Close(reply) => {
                println!("[tcp] closed on request");
                let _ = reply.send(());
            }
            Why::Io(error) => println!("[tcp] connection lost: {error}"),
        }
        // As the original: reconnect at once.
        Disconnect::Connect(())
    }

    /// Sends `data`. Refused with `CallError::NotConnected` while the link
    /// is down.
    #[call(when_disconnected = reject)]
    async fn send(&mut self, data: Vec<u8>, ctx: &mut Context<Self>) -> io::Result<()> {
        let sock = self.sock.as_mut().ok_or_else(not_connected)?;
        sock.write_all(&data).await.inspect_err(|error| {
            ctx.disconnect(Why::Io(copy(error)));
        })
    }

    /// Receives exactly `bytes` bytes, waiting at most `timeout`. A timeout
    /// leaves the link up; any other failure drops it. Refused while down.
    #[call(when_disconnected = reject)]
    async fn recv(
        &mut self,
        bytes: usize,
        timeout: Duration,
        ctx: &mut Context<Self>,
    ) -> io::Result<Vec<u8>> {
        let sock = self.sock.as_mut().ok_or_else(not_connected)?;
        let mut buf = vec![0; bytes];
        match tokio::time::timeout(timeout, sock.read_exact(&mut buf)).await {
            Ok(Ok(_)) => Ok(buf),
            Ok(Err(error)) => {
                ctx.disconnect(Why::Io(copy(&error)));
                Err(error)
            }
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "recv timed out")),
        }
    }

    /// Closes the socket; answers once it is closed (the reply travels in
    /// the disconnect info). The connection then reconnects.
    #[call]
    async fn close(&mut self, reply: ReplyTo<()>, ctx: &mut Context<Self>) {
        ctx.disconnect(Why::Close(reply));
    }

    #[terminate]
    async fn terminate(&mut self, reason: &Stop) {
        println!("[tcp] stopped: {reason}");
    }
}
