//! A client of the line key-value server on `#[connection]` and
//! `connection::pipeline`: pipelined requests, one write per batch, a reader
//! that answers callers in order, reconnect with backoff, requests held
//! while the link is down, a keepalive ping when the link is idle, and a
//! link that stops answering found within the response deadline.

use std::net::SocketAddr;
use std::time::Duration;

use connection::pipeline::{LinkError, Pipeline, RequestError};
use connection::{Attempt, Backoff, Connect, Context, Disconnect, Options, ReplyTo, connection};
use tokio_util::codec::LinesCodec;

/// A connection to one key-value server.
pub(crate) struct Kv {
    addr: SocketAddr,
    link: Pipeline<LinesCodec>,
}

#[connection(when_disconnected = queue)]
impl Kv {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        self.link.connect_tcp(self.addr, ctx, |lost| lost).await
    }

    #[disconnect]
    async fn disconnect(&mut self, lost: LinkError) -> Disconnect<()> {
        tracing::debug!(%lost, "link lost");
        self.link.detach();
        Disconnect::Connect(())
    }

    /// Sends one request line; answers with the server's reply line.
    #[call(flatten)]
    async fn request(&mut self, line: String, reply: ReplyTo<Result<String, KvError>>) {
        self.link.send(line, reply.map(answer)).await;
    }

    /// `SET key value`: keys are one word; values may hold spaces.
    #[call(flatten)]
    async fn set(&mut self, key: String, value: String, reply: ReplyTo<Result<(), KvError>>) {
        let ok = |line| match answer(line)?.as_str() {
            "OK" => Ok(()),
            other => Err(KvError::Reply(other.to_owned())),
        };
        self.link
            .send(format!("SET {key} {value}"), reply.map(ok))
            .await;
    }

    /// `GET key`.
    #[call(flatten)]
    async fn get(&mut self, key: String, reply: ReplyTo<Result<Option<String>, KvError>>) {
        let value = |line| match answer(line)? {
            nil if nil == "NIL" => Ok(None),
            line => match line.strip_prefix("VALUE ") {
                Some(value) => Ok(Some(value.to_owned())),
                None => Err(KvError::Reply(line)),
            },
        };
        self.link.send(format!("GET {key}"), reply.map(value)).await;
    }

    /// After every batch: write it out.
    #[flush]
    async fn flush(&mut self) {
        self.link.flush().await;
    }
}

impl Kv {
    /// A client of the server at `addr`, pinging an idle link after every
    /// `keepalive`.
    pub(crate) fn new(addr: SocketAddr, keepalive: Duration) -> Self {
        let lines = LinesCodec::new_with_max_length(64 * 1024);
        Kv {
            addr,
            link: Pipeline::new(lines).keepalive(keepalive, "PING"),
        }
    }

    /// Back within tens of milliseconds of a server that restarts.
    pub(crate) fn options() -> Options {
        let ms = Duration::from_millis;
        Options::default().backoff(move || Backoff::exp(ms(10), ms(1000)).expect("10 ms <= 1 s"))
    }
}

/// What a request can fail with: an error line of the server's is a
/// [`RequestError::Reply`].
pub(crate) type KvError = RequestError<String>;

/// A reply line; an `ERR` line as [`RequestError::Reply`].
fn answer(line: Result<String, LinkError>) -> Result<String, KvError> {
    match line? {
        error if error.starts_with("ERR") => Err(RequestError::Reply(error)),
        line => Ok(line),
    }
}
