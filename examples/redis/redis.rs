//! A small Redis client on `#[connection]`.
//!
//! Pipelined by design: each command is written as soon as it arrives and
//! its caller's `ReplyTo` joins a FIFO; the socket's read half is attached to
//! the current link, and each parsed reply answers the oldest caller. When
//! the link is lost every caller in the FIFO is answered with an error at
//! once, and the client reconnects (at once, then with backoff). Commands
//! that arrive while disconnected are held until the next connect
//! (`when_disconnected = queue`), each within its caller's timeout: a blip
//! costs latency, not errors. (`reject` would fail them fast instead.)

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use connection::{Attempt, CallError, Connect, Context, Disconnect, ReplyTo, Stop, connection};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio_util::bytes::Bytes;
use tokio_util::io::ReaderStream;

use crate::resp::{self, Malformed, Value};

/// What a command can fail with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedisError {
    /// The server refused the command (`-ERR ...`).
    Server(String),
    /// The link was lost before the reply came: the command may or may not
    /// have run.
    ConnectionLost(String),
    /// The reply was not of the type the command returns.
    UnexpectedReply(Value),
    /// The request did not get through the connection (timeout, stopped..).
    Call(String),
}

impl fmt::Display for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisError::Server(message) => write!(f, "server error: {message}"),
            RedisError::ConnectionLost(why) => write!(f, "connection lost: {why}"),
            RedisError::UnexpectedReply(value) => write!(f, "unexpected reply: {value:?}"),
            RedisError::Call(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for RedisError {}

impl From<CallError> for RedisError {
    fn from(error: CallError) -> Self {
        RedisError::Call(error.to_string())
    }
}

type Reply = ReplyTo<Result<Value, RedisError>>;

/// A connection to one Redis server.
pub struct Redis {
    addr: SocketAddr,
    writer: Option<OwnedWriteHalf>,
    /// Bytes read and not yet parsed.
    buffer: Vec<u8>,
    /// The callers of the commands written and not yet answered, oldest first.
    pending: VecDeque<Reply>,
}

impl Redis {
    pub fn new(addr: SocketAddr) -> Self {
        Redis {
            addr,
            writer: None,
            buffer: Vec::new(),
            pending: VecDeque::new(),
        }
    }
}

/// Why the link is dropped.
pub enum Why {
    Io(String),
    Closed,
    Protocol(Malformed),
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Io(error) => write!(f, "{error}"),
            Why::Closed => f.write_str("closed by the server"),
            Why::Protocol(malformed) => write!(f, "{malformed}"),
        }
    }
}

/// What the socket's reader delivers.
pub enum Incoming {
    Read(std::io::Result<Bytes>),
    Closed,
}

#[connection]
impl Redis {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        match TcpStream::connect(self.addr).await {
            Ok(sock) => {
                let _ = sock.set_nodelay(true);
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
                    tracing::debug!(%error, ?delay, "redis connect failed");
                    Connect::Backoff(delay)
                }
                None => Connect::Stop(Stop::error(error)),
            },
        }
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<()> {
        self.writer = None;
        self.buffer.clear();
        let lost = RedisError::ConnectionLost(why.to_string());
        for reply in self.pending.drain(..) {
            let _ = reply.send(Err(lost.clone()));
        }
        Disconnect::Connect(())
    }

    /// Sends any command; answers with the server's reply.
    #[call(when_disconnected = queue)]
    async fn command(
        &mut self,
        args: Vec<Vec<u8>>,
        // Written out: the macro recognizes `ReplyTo<T>` by name, not through
        // a type alias.
        reply: ReplyTo<Result<Value, RedisError>>,
        ctx: &mut Context<Self>,
    ) {
        let Some(writer) = self.writer.as_mut() else {
            let _ = reply.send(Err(RedisError::ConnectionLost("not connected".into())));
            return;
        };
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        match writer.write_all(&resp::encode(&args)).await {
            Ok(()) => self.pending.push_back(reply),
            Err(error) => {
                let _ = reply.send(Err(RedisError::ConnectionLost(error.to_string())));
                ctx.disconnect(Why::Io(error.to_string()));
            }
        }
    }

    #[info]
    async fn on_incoming(&mut self, incoming: Incoming, ctx: &mut Context<Self>) {
        match incoming {
            Incoming::Read(Ok(bytes)) => {
                self.buffer.extend_from_slice(&bytes);
                let mut used = 0;
                loop {
                    match resp::parse(&self.buffer[used..]) {
                        Ok(Some((value, length))) => {
                            used += length;
                            let Some(reply) = self.pending.pop_front() else {
                                ctx.disconnect(Why::Protocol(Malformed(
                                    "a reply nobody asked for".into(),
                                )));
                                return;
                            };
                            let answer = match value {
                                Value::Error(message) => Err(RedisError::Server(message)),
                                value => Ok(value),
                            };
                            let _ = reply.send(answer);
                        }
                        Ok(None) => break,
                        Err(malformed) => {
                            ctx.disconnect(Why::Protocol(malformed));
                            return;
                        }
                    }
                }
                self.buffer.drain(..used);
            }
            Incoming::Read(Err(error)) => ctx.disconnect(Why::Io(error.to_string())),
            Incoming::Closed => ctx.disconnect(Why::Closed),
        }
    }
}

/// Typed commands over [`RedisClient::command`].
impl RedisClient {
    async fn run(&self, args: &[&[u8]]) -> Result<Value, RedisError> {
        let args = args.iter().map(|arg| arg.to_vec()).collect();
        self.command(args).await?
    }

    /// `PING`: `PONG`.
    pub async fn ping(&self) -> Result<String, RedisError> {
        match self.run(&[b"PING"]).await? {
            Value::Simple(pong) => Ok(pong),
            other => Err(RedisError::UnexpectedReply(other)),
        }
    }

    /// `GET key`.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, RedisError> {
        match self.run(&[b"GET", key.as_bytes()]).await? {
            Value::Bulk(value) => Ok(value),
            other => Err(RedisError::UnexpectedReply(other)),
        }
    }

    /// `SET key value [PX ms]`.
    pub async fn set(
        &self,
        key: &str,
        value: &[u8],
        expiry: Option<Duration>,
    ) -> Result<(), RedisError> {
        let millis = expiry.map(|expiry| expiry.as_millis().to_string());
        let mut args: Vec<&[u8]> = vec![b"SET", key.as_bytes(), value];
        if let Some(millis) = &millis {
            args.extend([&b"PX"[..], millis.as_bytes()]);
        }
        match self.run(&args).await? {
            Value::Simple(ok) if ok == "OK" => Ok(()),
            other => Err(RedisError::UnexpectedReply(other)),
        }
    }

    /// `DEL key`: how many keys were removed.
    pub async fn del(&self, key: &str) -> Result<i64, RedisError> {
        self.integer(&[b"DEL", key.as_bytes()]).await
    }

    /// `INCR key`: the new value.
    pub async fn incr(&self, key: &str) -> Result<i64, RedisError> {
        self.integer(&[b"INCR", key.as_bytes()]).await
    }

    async fn integer(&self, args: &[&[u8]]) -> Result<i64, RedisError> {
        match self.run(args).await? {
            Value::Integer(n) => Ok(n),
            other => Err(RedisError::UnexpectedReply(other)),
        }
    }
}
