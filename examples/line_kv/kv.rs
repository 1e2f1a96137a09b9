//! A client of the line key-value server on `#[connection]` and
//! `connection::pipeline`: pipelined requests, one write per batch, a reader
//! that answers callers in order, reconnect with backoff, requests held
//! while the link is down, and a keepalive ping when the link is idle.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use connection::pipeline::{LinkError, Pipeline};
use connection::{
    Attempt, Backoff, CallError, Connect, Context, Disconnect, Options, ReplyTo, Stop, connection,
};
use tokio::net::TcpStream;
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
        tracing::debug!(%lost, "link lost");
        self.link.detach();
        Disconnect::Connect(())
    }

    /// Sends one request line; answers with the server's reply line.
    #[call]
    async fn request(&mut self, line: String, reply: ReplyTo<Result<String, LinkError>>) {
        self.link.send(line, reply).await;
    }

    /// Nothing happened for the keepalive interval (the standing idle
    /// timeout of [`Kv::options`]): ping, so that a link that died quietly
    /// is found out and replaced.
    #[timeout]
    async fn keepalive(&mut self) {
        if self.link.is_attached() {
            let _ = self.link.send_unanswered("PING").await;
        }
    }

    /// After every batch: write it out.
    #[flush]
    async fn flush(&mut self) {
        self.link.flush().await;
    }
}

impl Kv {
    pub(crate) fn new(addr: SocketAddr) -> Self {
        Kv {
            addr,
            link: Pipeline::new(LinesCodec::new_with_max_length(64 * 1024)),
        }
    }

    /// Back within tens of milliseconds of a server that restarts; a ping
    /// after every `keepalive` without traffic.
    pub(crate) fn options(keepalive: Duration) -> Options {
        let ms = Duration::from_millis;
        Options::default()
            .backoff(move || Backoff::exp(ms(10), ms(1000)).expect("10 ms <= 1 s"))
            .idle_timeout(keepalive)
    }
}

/// What a request can fail with.
#[derive(Clone, Debug)]
pub(crate) enum KvError {
    /// The server answered with an error line.
    Server(String),
    /// The link failed before the answer came.
    Link(LinkError),
    /// The request did not get through the connection (timeout, stop..).
    Call(CallError),
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvError::Server(line) => write!(f, "server error: {line}"),
            KvError::Link(error) => write!(f, "{error}"),
            KvError::Call(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for KvError {}

/// The typed requests.
impl KvClient {
    async fn line(&self, line: String) -> Result<String, KvError> {
        match self.request(line).await {
            Ok(Ok(answer)) if answer.starts_with("ERR") => Err(KvError::Server(answer)),
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(error)) => Err(KvError::Link(error)),
            Err(error) => Err(KvError::Call(error)),
        }
    }

    /// `SET key value`: keys are one word; values may hold spaces.
    pub(crate) async fn set(&self, key: &str, value: &str) -> Result<(), KvError> {
        match self.line(format!("SET {key} {value}")).await?.as_str() {
            "OK" => Ok(()),
            other => Err(KvError::Server(other.to_owned())),
        }
    }

    /// `GET key`.
    pub(crate) async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        let answer = self.line(format!("GET {key}")).await?;
        if answer == "NIL" {
            return Ok(None);
        }
        match answer.strip_prefix("VALUE ") {
            Some(value) => Ok(Some(value.to_owned())),
            None => Err(KvError::Server(answer)),
        }
    }
}
