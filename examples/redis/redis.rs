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

use std::net::SocketAddr;
use std::time::Duration;

use connection::pipeline::{LinkError, Pipeline, RequestError};
use connection::{
    Attempt, Backoff, Connect, Context, Disconnect, Options, ReplyTo, StartError, connection,
};

use super::resp::{Arg, Command, FromValue, Request, Resp, Value};

/// A connection to one Redis server.
pub struct Redis {
    addr: SocketAddr,
    link: Pipeline<Resp>,
}

#[connection(when_disconnected = queue)]
impl Redis {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        self.link.connect_tcp(self.addr, ctx, |lost| lost).await
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
        self.link
            .send(Request(b"PING", &[]), reply.map(typed))
            .await;
    }

    /// `GET key`.
    #[call(flatten)]
    async fn get(&mut self, key: Arg, reply: ReplyTo<Result<Option<Vec<u8>>, RedisError>>) {
        self.link
            .send(Request(b"GET", &[&key]), reply.map(typed))
            .await;
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
        self.link
            .send(Request(b"SET", &args), reply.map(typed))
            .await;
    }

    /// `DEL key`: how many keys were removed.
    #[call(flatten)]
    async fn del(&mut self, key: Arg, reply: ReplyTo<Result<i64, RedisError>>) {
        self.link
            .send(Request(b"DEL", &[&key]), reply.map(typed))
            .await;
    }

    /// `INCR key`: the new value.
    #[call(flatten)]
    async fn incr(&mut self, key: Arg, reply: ReplyTo<Result<i64, RedisError>>) {
        self.link
            .send(Request(b"INCR", &[&key]), reply.map(typed))
            .await;
    }

    #[flush]
    async fn flush(&mut self) {
        self.link.flush().await;
    }
}

impl Redis {
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

/// What a command can fail with: a reply of the server's that is not the
/// command's, such as an error reply (`Value::Error`), is a
/// [`RequestError::Reply`].
pub(crate) type RedisError = RequestError<Value>;

/// A reply as a `T`: an error reply, or any other kind of reply than a `T`,
/// as [`RequestError::Reply`].
fn typed<T: FromValue>(reply: Result<Value, LinkError>) -> Result<T, RedisError> {
    match reply? {
        error @ Value::Error(_) => Err(RequestError::Reply(error)),
        value => T::from_value(value).map_err(RequestError::Reply),
    }
}
