//! A small Redis client on `#[connection]` and `connection::pipeline`.
//!
//! Pipelined: callers encode their commands, the connection buffers every
//! command of a batch and writes them in one go (`#[flush]`), and a reader
//! of its own answers the callers in order. When the link is lost every
//! caller waiting for a reply gets the error at once and the client
//! reconnects (at once, then backing off from 10 ms to 1 s). Commands that
//! arrive while it is down are held until the next connect
//! (`when_disconnected = queue`), each within its caller's timeout: a blip
//! costs latency, not errors.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use connection::pipeline::{LinkError, Pipeline};
use connection::{
    Attempt, Backoff, CallError, Connect, Context, Disconnect, Options, ReplyTo, StartError, Stop,
    connection,
};
use tokio::net::TcpStream;

use crate::resp::{Command, Resp, Value};

/// A connection to one Redis server.
pub struct Redis {
    addr: SocketAddr,
    link: Pipeline<Resp>,
}

#[connection(when_disconnected = queue)]
impl Redis {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        match TcpStream::connect(self.addr).await {
            Ok(socket) => {
                let _ = socket.set_nodelay(true);
                let (reader, writer) = socket.into_split();
                self.link.attach_split(reader, writer, ctx, |lost| lost);
                Connect::Ok
            }
            Err(error) => ctx
                .backoff()
                .map_or_else(|| Connect::Stop(Stop::error(error)), Connect::Backoff),
        }
    }

    #[disconnect]
    async fn disconnect(&mut self, lost: LinkError) -> Disconnect<()> {
        tracing::debug!(%lost, "redis link lost");
        self.link.detach();
        Disconnect::Connect(())
    }

    /// Sends any command; answers with the server's reply.
    #[call]
    async fn command(&mut self, command: Command, reply: ReplyTo<Result<Value, LinkError>>) {
        self.link.send(command, reply).await;
    }

    #[flush]
    async fn flush(&mut self) {
        self.link.flush().await;
    }
}

impl Redis {
    pub fn new(addr: SocketAddr) -> Self {
        Redis {
            addr,
            link: Pipeline::new(Resp),
        }
    }

    /// Options that suit a cache client: back within tens of milliseconds
    /// of a server that restarts, never more than a second behind it.
    pub fn options() -> Options {
        let ms = Duration::from_millis;
        Options::default().backoff(move || Backoff::exp(ms(10), ms(1000)).expect("10 ms <= 1 s"))
    }

    /// Starts a client of the server at `addr` with [`Redis::options`].
    pub async fn client(addr: SocketAddr) -> Result<RedisClient, StartError> {
        Redis::new(addr).start_with(Redis::options()).await
    }
}

/// What a command can fail with.
#[derive(Clone, Debug)]
pub enum RedisError {
    /// The server refused the command (`-ERR ...`).
    Server(String),
    /// The link failed before the reply came: the command may or may not
    /// have run (unless [`LinkError::is_unsent`]).
    Link(LinkError),
    /// The reply was not of the type the command returns.
    UnexpectedReply(Value),
    /// The request did not get through the connection (timeout, stopped..).
    Call(CallError),
}

impl fmt::Display for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisError::Server(message) => write!(f, "server error: {message}"),
            RedisError::Link(error) => write!(f, "{error}"),
            RedisError::UnexpectedReply(value) => write!(f, "unexpected reply: {value:?}"),
            RedisError::Call(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for RedisError {}

/// Typed commands over [`RedisClient::command`].
impl RedisClient {
    async fn run(&self, args: &[&[u8]]) -> Result<Value, RedisError> {
        match self.command(Command::new(args)).await {
            Ok(Ok(Value::Error(message))) => Err(RedisError::Server(message)),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(RedisError::Link(error)),
            Err(error) => Err(RedisError::Call(error)),
        }
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
