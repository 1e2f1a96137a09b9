//! A small Redis client on `#[connection]` and `connection::pipeline`.
//!
//! Pipelined: each typed command is one `#[call(flatten)]` whose arguments
//! its callers encode (`Arg`, on their own tasks), which the connection
//! copies into its write buffer, and whose reply it converts
//! (`ReplyTo::map`); every command of a batch goes out in one write
//! (`#[flush]`), and a reader of its own answers the callers in order. A
//! server that stops answering is found within 3 s (the pipeline's response
//! deadline; an idle link is pinged every 15 s) and the link replaced. When the link is lost every
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

use crate::resp::{Arg, Command, FromValue, Request, Resp, Value};

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
    #[call(flatten)]
    async fn command(&mut self, command: Command, reply: ReplyTo<Result<Value, RedisError>>) {
        self.link.send(command, reply.map(typed)).await;
    }

    /// `PING`: `PONG`.
    #[call(flatten)]
    async fn ping(&mut self, reply: ReplyTo<Result<String, RedisError>>) {
        self.send(b"PING", &[], reply).await;
    }

    /// `GET key`.
    #[call(flatten)]
    async fn get(&mut self, key: Arg, reply: ReplyTo<Result<Option<Vec<u8>>, RedisError>>) {
        self.send(b"GET", &[&key], reply).await;
    }

    /// `SET key value [PX ms]`.
    #[call(flatten)]
    async fn set(
        &mut self,
        key: Arg,
        value: Arg,
        expiry: Option<Duration>,
        reply: ReplyTo<Result<(), RedisError>>,
    ) {
        let expiry = expiry.map(|expiry| [Arg::from("PX"), expiry.as_millis().to_string().into()]);
        let mut args = vec![&key, &value];
        args.extend(expiry.iter().flatten());
        self.send(b"SET", &args, reply).await;
    }

    /// `DEL key`: how many keys were removed.
    #[call(flatten)]
    async fn del(&mut self, key: Arg, reply: ReplyTo<Result<i64, RedisError>>) {
        self.send(b"DEL", &[&key], reply).await;
    }

    /// `INCR key`: the new value.
    #[call(flatten)]
    async fn incr(&mut self, key: Arg, reply: ReplyTo<Result<i64, RedisError>>) {
        self.send(b"INCR", &[&key], reply).await;
    }

    #[flush]
    async fn flush(&mut self) {
        self.link.flush().await;
    }
}

impl Redis {
    /// Writes the command `name` with `args` (encoded by the callers) into
    /// the write buffer; the caller gets the reply as a `T`.
    async fn send<T: FromValue>(
        &mut self,
        name: &'static [u8],
        args: &[&Arg],
        reply: ReplyTo<Result<T, RedisError>>,
    ) {
        self.link.send(Request(name, args), reply.map(typed)).await;
    }

    /// A client of the server at `addr`: a link that does not answer within
    /// 3 s is dropped, and an idle one is pinged every 15 s.
    pub fn new(addr: SocketAddr) -> Self {
        Redis {
            addr,
            link: Pipeline::new(Resp).keepalive(Duration::from_secs(15), Command::new(&[b"PING"])),
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

impl From<CallError> for RedisError {
    fn from(error: CallError) -> Self {
        RedisError::Call(error)
    }
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

/// A reply as a `T`: a server error as [`RedisError::Server`], any other
/// kind of reply as [`RedisError::UnexpectedReply`].
fn typed<T: FromValue>(reply: Result<Value, LinkError>) -> Result<T, RedisError> {
    match reply.map_err(RedisError::Link)? {
        Value::Error(message) => Err(RedisError::Server(message)),
        value => T::from_value(value).map_err(RedisError::UnexpectedReply),
    }
}
