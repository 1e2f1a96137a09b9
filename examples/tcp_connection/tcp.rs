//! The original's `examples/tcp_connection`, in Rust: a TCP client that
//! connects at start, reconnects at once when the link drops, and backs off
//! (the runtime's `exp` policy) while the peer is down.
//!
//! Unlike the original, it reads in active mode: the socket's read half is
//! attached to the connection with `attach_until_disconnect`, so bytes
//! arrive as `#[info]` messages, a closed socket is noticed at once, and
//! nothing read from an old socket is ever handled after a reconnect. A
//! `recv` waits for enough bytes with a deferred reply and a timer.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use connection::{
    Attempt, Backoff, Connect, Context, Disconnect, Options, ReplyTo, Stop, Timer, connection,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio_util::bytes::Bytes;
use tokio_util::io::ReaderStream;

/// A TCP connection to one peer.
pub struct Tcp {
    addr: SocketAddr,
    writer: Option<OwnedWriteHalf>,
    /// Bytes read and not yet received.
    buffer: Vec<u8>,
    /// `recv` calls waiting for bytes, oldest first.
    waiting: VecDeque<Recv>,
    next_recv: u64,
}

/// A `recv` waiting for `bytes` bytes until its timer fires.
struct Recv {
    id: u64,
    bytes: usize,
    reply: ReplyTo<io::Result<Vec<u8>>>,
    timer: Timer,
}

impl Tcp {
    pub fn new(addr: SocketAddr) -> Self {
        Tcp {
            addr,
            writer: None,
            buffer: Vec::new(),
            waiting: VecDeque::new(),
            next_recv: 0,
        }
    }

    /// How the example starts it: retries 100 ms apart at first, doubling up
    /// to 2 s (the default policy, jittered 1 s to 30 s, suits real peers).
    pub fn options() -> Options {
        let ms = Duration::from_millis;
        Options::default().backoff(move || Backoff::exp(ms(100), ms(2_000)).expect("min <= max"))
    }

    /// Answers the waiting `recv`s that the buffer can satisfy, in order.
    fn serve_waiting(&mut self, ctx: &mut Context<Self>) {
        while let Some(recv) = self.waiting.front() {
            if recv.bytes > self.buffer.len() {
                return;
            }
            let recv = self.waiting.pop_front().expect("front exists");
            ctx.cancel_timer(recv.timer);
            let rest = self.buffer.split_off(recv.bytes);
            let _ = recv
                .reply
                .send(Ok(std::mem::replace(&mut self.buffer, rest)));
        }
    }
}

/// Why the connection disconnects.
pub enum Why {
    /// The socket failed or the peer closed it.
    Io(io::Error),
    /// `close` was called; answer it once the socket is closed.
    Close(ReplyTo<()>),
}

/// What the connection's own tasks deliver to it.
pub enum Incoming {
    /// Bytes read from the socket, or the read error.
    Read(io::Result<Bytes>),
    /// The peer closed the socket.
    Closed,
    /// The timer of the `recv` with this id fired.
    RecvTimedOut(u64),
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
                let (reader, writer) = sock.into_split();
                ctx.attach_until_disconnect(
                    ReaderStream::new(reader),
                    Incoming::Read,
                    Incoming::Closed,
                );
                self.writer = Some(writer);
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
    async fn disconnect(&mut self, why: Why, ctx: &mut Context<Self>) -> Disconnect<()> {
        if let Some(mut writer) = self.writer.take() {
            let _ = writer.shutdown().await;
        }
        self.buffer.clear();
        let error = match &why {
            Why::Io(error) => copy(error),
            Why::Close(_) => io::Error::new(io::ErrorKind::ConnectionAborted, "closed"),
        };
        for recv in self.waiting.drain(..) {
            ctx.cancel_timer(recv.timer);
            let _ = recv.reply.send(Err(copy(&error)));
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
        let writer = self.writer.as_mut().ok_or_else(not_connected)?;
        writer.write_all(&data).await.inspect_err(|error| {
            ctx.disconnect(Why::Io(copy(error)));
        })
    }

    /// Receives exactly `bytes` bytes, waiting at most `timeout`. A timeout
    /// leaves the link up; losing the link fails the call. Refused while
    /// down.
    #[call(when_disconnected = reject)]
    async fn recv(
        &mut self,
        bytes: usize,
        timeout: Duration,
        reply: ReplyTo<io::Result<Vec<u8>>>,
        ctx: &mut Context<Self>,
    ) {
        self.next_recv += 1;
        let id = self.next_recv;
        let timer = ctx.send_after(Incoming::RecvTimedOut(id), timeout);
        self.waiting.push_back(Recv {
            id,
            bytes,
            reply,
            timer,
        });
        self.serve_waiting(ctx);
    }

    /// Closes the socket; answers once it is closed (the reply travels in
    /// the disconnect info). The connection then reconnects.
    #[call]
    async fn close(&mut self, reply: ReplyTo<()>, ctx: &mut Context<Self>) {
        ctx.disconnect(Why::Close(reply));
    }

    #[info]
    async fn on_incoming(&mut self, incoming: Incoming, ctx: &mut Context<Self>) {
        match incoming {
            Incoming::Read(Ok(bytes)) => {
                self.buffer.extend_from_slice(&bytes);
                self.serve_waiting(ctx);
            }
            Incoming::Read(Err(error)) => ctx.disconnect(Why::Io(error)),
            Incoming::Closed => ctx.disconnect(Why::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "closed by the peer",
            ))),
            Incoming::RecvTimedOut(id) => {
                if let Some(at) = self.waiting.iter().position(|recv| recv.id == id) {
                    let recv = self.waiting.remove(at).expect("position is in range");
                    let timed_out = io::Error::new(io::ErrorKind::TimedOut, "recv timed out");
                    let _ = recv.reply.send(Err(timed_out));
                }
            }
        }
    }

    #[terminate]
    async fn terminate(&mut self, reason: &Stop) {
        println!("[tcp] stopped: {reason}");
    }
}
