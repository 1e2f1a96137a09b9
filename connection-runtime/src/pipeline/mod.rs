//! Requests and responses over a byte stream, pipelined: the building block
//! of a protocol client. Available with the `pipeline` feature.
//!
//! A [`Pipeline`] owns the current link of a connection, split in two:
//!
//! - the write half, behind a buffer: [`Pipeline::send`] encodes a request
//!   into it (a tokio-util [`Encoder`]) and queues who waits for its
//!   response; [`Pipeline::flush`], called from the block's `#[flush]`
//!   handler, writes everything buffered in one go once the mailbox is
//!   drained. A buffer past [`write_boundary`](Pipeline::write_boundary)
//!   bytes or [`max_batch`](Pipeline::max_batch) requests is written at
//!   once; in a block without `#[flush]` every request is.
//! - the read half, on a task of its own: each frame its [`Decoder`] makes
//!   answers the oldest request in flight, straight to the caller. It also
//!   watches the oldest request's deadline and sends the keepalive ping.
//!
//! When the link ends (the peer closes it, a read or write fails, bytes do
//! not decode, a frame comes that nobody asked for, or no response comes
//! within the [response timeout](Pipeline::response_timeout)) every request
//! in flight is answered at once with one [`LinkError`], and `disconnect`
//! runs with the info made from it, before any request still queued for
//! the connection: those meet the block's `when_disconnected` policy, not
//! the dead link. Nothing from an old link reaches a caller after that. At
//! most [`max_in_flight`](Pipeline::max_in_flight) requests wait for
//! responses; past that, `send` writes out what is buffered and waits for a
//! place (and the mailbox, then the callers, wait behind it).
//!
//! Any `AsyncRead + AsyncWrite` link works: TCP, a Unix socket, TLS through
//! tokio-rustls, or `tokio::io::duplex` in tests.
//!
//! # Writing a protocol client
//!
//! 1. **Codec.** A tokio-util [`Encoder`] for each kind of request (a
//!    command type, or `&[&[u8]]` arguments encoded straight into the write
//!    buffer) and one [`Decoder`] for responses. The codec is cloned for
//!    each link's reader.
//! 2. **Connect and attach.** `#[connect]` opens the link and hands it to
//!    [`attach`](Pipeline::attach) (or [`attach_split`](Pipeline::attach_split)
//!    for `TcpStream::into_split`) with how to make the disconnect info from
//!    a [`LinkError`] (`|lost| lost` when the info *is* the `LinkError`);
//!    over TCP, [`connect_tcp`](Pipeline::connect_tcp) does all of it and
//!    returns what `connect` returns (backing off on a refused connect). A
//!    handshake (`AUTH`, `HELLO`, `SELECT`) is [`request`](Pipeline::request)
//!    there. `#[disconnect]` calls [`detach`](Pipeline::detach).
//! 3. **Flush.** A `#[flush]` handler that calls [`flush`](Pipeline::flush)
//!    writes each batch of requests in one go. Without `#[flush]` each
//!    request is written at once (correct, with more writes); a `#[flush]`
//!    that leaves bytes buffered while the connection waits is warned of in
//!    debug builds.
//! 4. **Deadline.** [`response_timeout`](Pipeline::response_timeout) (3 s by
//!    default) is how long the oldest request may wait: a peer that stops
//!    answering with no FIN or RST (a partition, a hung server) is found and
//!    the link replaced. Set it above the slowest legitimate response.
//! 5. **Keepalive.** [`keepalive`](Pipeline::keepalive) pings a link that is
//!    idle, so that one that died while nothing was asked is found too.
//! 6. **Typed replies.** A `#[call(flatten)]` whose `ReplyTo<Result<T, E>>`
//!    is [mapped](crate::ReplyTo::map) from the response makes each command
//!    one handler, and its client method return `Result<T, E>` (see
//!    [`Respond`]). [`RequestError<E>`](RequestError) is such an `E` for
//!    every client: the call's failure, the link's, or the protocol's error
//!    reply `E`.
//!
//! What each [`LinkError`] means for the request: [`NotConnected`] and
//! [`Encode`] were never written ([`is_unsent`](LinkError::is_unsent): safe
//! to send again); [`Closed`], [`Io`], [`Decode`], [`Unexpected`],
//! [`Unresponsive`] and [`Detached`] were written, or may have been, to a
//! link that is gone: the peer may or may not have acted on them.
//!
//! [`NotConnected`]: LinkError::NotConnected
//! [`Encode`]: LinkError::Encode
//! [`Closed`]: LinkError::Closed
//! [`Io`]: LinkError::Io
//! [`Decode`]: LinkError::Decode
//! [`Unexpected`]: LinkError::Unexpected
//! [`Unresponsive`]: LinkError::Unresponsive
//! [`Detached`]: LinkError::Detached
//!
//! # Example
//!
//! A client of a line protocol whose server answers each line in upper
//! case (here on an in-memory link; the server runs in the example):
//!
//! ```
//! use connection::pipeline::{LinkError, Pipeline};
//! use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo};
//! use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
//! use tokio_util::codec::LinesCodec;
//!
//! struct Shouter {
//!     link: Pipeline<LinesCodec>,
//! }
//!
//! #[connection]
//! impl Shouter {
//!     #[connect]
//!     async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
//!         let (link, server) = tokio::io::duplex(64 * 1024);
//!         tokio::spawn(serve(server));
//!         // A lost link becomes `disconnect(error)`.
//!         self.link.attach(link, ctx, |lost| lost);
//!         Connect::Ok
//!     }
//!
//!     #[disconnect]
//!     async fn disconnect(&mut self, _lost: LinkError) -> Disconnect<()> {
//!         self.link.detach();
//!         Disconnect::Connect(())
//!     }
//!
//!     /// Sends `line`; answers with the server's line.
//!     #[call]
//!     async fn shout(&mut self, line: String, reply: ReplyTo<Result<String, LinkError>>) {
//!         self.link.send(line, reply).await;
//!     }
//!
//!     /// Writes out the lines of a whole batch of calls at once.
//!     #[flush]
//!     async fn flush(&mut self) {
//!         self.link.flush().await;
//!     }
//! }
//!
//! async fn serve(server: DuplexStream) {
//!     let (reader, mut writer) = tokio::io::split(server);
//!     let mut lines = BufReader::new(reader).lines();
//!     while let Ok(Some(line)) = lines.next_line().await {
//!         let _ = writer.write_all(format!("{}\n", line.to_uppercase()).as_bytes()).await;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Shouter { link: Pipeline::new(LinesCodec::new()) }.start().await?;
//! // Many callers at once: their lines share one write, and each gets its
//! // own answer.
//! let calls = ["a", "b", "c"].map(|line| client.shout(line.to_owned()));
//! let [a, b, c] = calls;
//! let (a, b, c) = tokio::join!(a, b, c);
//! assert_eq!((a??, b??, c??), ("A".to_owned(), "B".to_owned(), "C".to_owned()));
//! # Ok(())
//! # }
//! ```

mod error;
mod in_flight;
mod reader;
mod respond;

use std::error::Error;
use std::fmt;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;
use tokio_util::bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

pub use self::error::{LinkError, RequestError};
use self::in_flight::{InFlight, Slot};
use self::respond::Nobody;
pub use self::respond::Respond;
#[doc(hidden)]
pub use self::respond::{Lanes, Waiter};
use crate::connection::Connection;
use crate::context::Context;
use crate::reply::{Answer, ReplyTo};
use crate::types::IntoDisconnectInfo;

/// Bytes buffered past which [`Pipeline::send`] writes at once (as
/// tokio-util's `Framed` does by default).
const DEFAULT_WRITE_BOUNDARY: usize = 8 * 1024;
/// Requests buffered, at which `send` writes at once. Like redis-rs's
/// 50-request channel, it keeps the peer busy: it works on the first part
/// of a large batch while the rest is encoded. Measured on the Redis
/// benchmark (BENCHMARKS.md): with 100 callers, all of a batch in one write
/// leaves one end idle while the other works, and 32 to 64 requests a
/// write does 1.4 to 1.6 times as many requests a second; with 1,000
/// callers 64 costs little against unbounded batches, 32 more.
const DEFAULT_MAX_BATCH: usize = 64;
/// Requests waiting for a response, past which `send` waits for a place.
const DEFAULT_MAX_IN_FLIGHT: usize = 4096;
/// How long the oldest request may wait for its response before the link
/// is presumed dead: under the default call timeout (5 s), so that a dead
/// link is replaced before its first caller gives up.
const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);

/// The write half of a link, shared by the connection (which writes the
/// requests) and the reader (which writes the keepalive ping); `None` once
/// a write failed.
type SharedWriter = tokio::sync::Mutex<Option<Pin<Box<dyn AsyncWrite + Send>>>>;

/// The current link of a connection, pipelined: see the [module](self).
///
/// `Codec` encodes requests ([`Encoder`], for any request type it accepts)
/// and decodes responses ([`Decoder`]); each link gets its own clone of it
/// to decode with.
pub struct Pipeline<Codec: Decoder> {
    codec: Codec,
    /// Encoded requests not written yet.
    buffer: BytesMut,
    /// How many requests `buffer` holds.
    buffered_requests: usize,
    /// When the first request of the buffer was sent: its deadline, and
    /// that of the rest of the batch, counts from here (one clock read a
    /// batch, not one a request).
    batch_started: Option<Instant>,
    link: Option<Link<Codec::Item>>,
    write_boundary: usize,
    max_batch: usize,
    max_in_flight: usize,
    response_timeout: Option<Duration>,
    /// The keepalive interval and the encoded ping (or why it would not
    /// encode).
    keepalive: Option<(Duration, Result<Bytes, LinkError>)>,
    /// The connection has no `#[flush]` handler: each request is written
    /// at once, since nothing else would write it.
    write_through: bool,
    /// What `buffer` holds, for the loop to warn of bytes left unwritten
    /// while it waits (debug builds).
    #[cfg(debug_assertions)]
    unwritten: Arc<std::sync::atomic::AtomicUsize>,
}

struct Link<T> {
    writer: Arc<SharedWriter>,
    in_flight: Arc<InFlight<T>>,
}

impl<Codec: Decoder> Pipeline<Codec> {
    /// A pipeline with no link yet, writing in one go up to 8 KiB or 64
    /// requests buffered, allowing 4,096 requests in flight, and dropping a
    /// link whose oldest request has no response after 3 s; no keepalive.
    pub fn new(codec: Codec) -> Self {
        Pipeline {
            codec,
            buffer: BytesMut::new(),
            buffered_requests: 0,
            batch_started: None,
            link: None,
            write_boundary: DEFAULT_WRITE_BOUNDARY,
            max_batch: DEFAULT_MAX_BATCH,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            response_timeout: Some(DEFAULT_RESPONSE_TIMEOUT),
            keepalive: None,
            write_through: false,
            #[cfg(debug_assertions)]
            unwritten: Arc::default(),
        }
    }

    /// How long the oldest request in flight may wait for its response.
    /// Past it the link is presumed dead (a partition or a hung peer sends
    /// no FIN and no RST, and would otherwise look connected for ever):
    /// every request in flight is answered with
    /// [`LinkError::Unresponsive`] and `disconnect` runs, as for any lost
    /// link. The deadline is the oldest request's, so steady traffic does
    /// not hide a peer that stopped answering. The default is 3 s;
    /// `Duration::MAX` waits for ever. Set it above the slowest response
    /// the peer may legitimately take.
    ///
    /// ```
    /// use std::time::Duration;
    /// use connection::pipeline::Pipeline;
    /// use tokio_util::codec::LinesCodec;
    ///
    /// let link = Pipeline::new(LinesCodec::new()).response_timeout(Duration::from_secs(10));
    /// # drop(link);
    /// ```
    #[must_use]
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = (timeout != Duration::MAX).then_some(timeout);
        self
    }

    /// Sends `ping` after `interval` with nothing in flight, so that a link
    /// that died while idle is found too: the ping's response must come
    /// within the [response timeout](Self::response_timeout), or the link
    /// is dropped with [`LinkError::Unresponsive`]. The response itself is
    /// read and dropped. Written by the link's reader, only when nothing is
    /// in flight, so it never delays a request.
    ///
    /// `ping` is encoded once, here; if it does not encode, every link
    /// attached ends at once with that [`LinkError::Encode`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use connection::pipeline::Pipeline;
    /// use tokio_util::codec::LinesCodec;
    ///
    /// let link = Pipeline::new(LinesCodec::new()).keepalive(Duration::from_secs(15), "PING");
    /// # drop(link);
    /// ```
    #[must_use]
    pub fn keepalive<R>(mut self, interval: Duration, ping: R) -> Self
    where
        Codec: Encoder<R>,
        <Codec as Encoder<R>>::Error: Error + Send + Sync + 'static,
    {
        let mut encoded = BytesMut::new();
        let ping = match self.codec.encode(ping, &mut encoded) {
            Ok(()) => Ok(encoded.freeze()),
            Err(error) => Err(LinkError::Encode(Arc::new(error))),
        };
        self.keepalive = Some((interval, ping));
        self
    }

    /// Past this many bytes buffered, [`send`](Self::send) writes them at
    /// once instead of waiting for the flush. Larger batches make fewer
    /// writes; the default is 8 KiB.
    #[must_use]
    pub fn write_boundary(mut self, bytes: usize) -> Self {
        self.write_boundary = bytes;
        self
    }

    /// At this many requests buffered, [`send`](Self::send) writes them at
    /// once instead of waiting for the flush, so that the peer starts on a
    /// large batch while the rest of it is encoded. The default is 64;
    /// `usize::MAX` leaves only the byte bound.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use connection::pipeline::Pipeline;
    /// use tokio_util::codec::LinesCodec;
    ///
    /// let link = Pipeline::new(LinesCodec::new()).max_batch(NonZeroUsize::new(16).unwrap());
    /// # drop(link);
    /// ```
    #[must_use]
    pub fn max_batch(mut self, requests: NonZeroUsize) -> Self {
        self.max_batch = requests.get();
        self
    }

    /// At most this many requests wait for responses on one link; past
    /// that, [`send`](Self::send) waits for a response to free a place. The
    /// default is 4,096.
    #[must_use]
    pub fn max_in_flight(mut self, requests: NonZeroUsize) -> Self {
        self.max_in_flight = requests.get();
        self
    }

    /// Whether a link is attached and has not ended.
    #[must_use]
    pub fn is_attached(&self) -> bool {
        self.link
            .as_ref()
            .is_some_and(|link| !link.in_flight.is_ended())
    }

    /// Requests written (or buffered) and not answered yet.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.link.as_ref().map_or(0, |link| link.in_flight.len())
    }

    /// Bytes encoded and not written yet.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Drops what is buffered, unwritten.
    fn discard_buffer(&mut self) {
        #[cfg(debug_assertions)]
        self.unwritten
            .store(0, std::sync::atomic::Ordering::Relaxed);
        self.buffer.clear();
        self.buffered_requests = 0;
        self.batch_started = None;
    }

    /// Makes `link` the current link, replacing (and detaching) any other.
    /// Its read half is read on a task of its own; when the link ends,
    /// every request in flight is answered with the [`LinkError`], and
    /// `disconnect` runs with `lost(error)`, unless a disconnect ran first
    /// (see [`Context::disconnect_when`]).
    ///
    /// The link is split with [`tokio::io::split`]; for a link that splits
    /// into owned halves without a lock (`TcpStream::into_split`), use
    /// [`attach_split`](Self::attach_split).
    pub fn attach<C, L, F, D>(&mut self, link: L, ctx: &mut Context<C>, lost: F)
    where
        C: Connection,
        L: AsyncRead + AsyncWrite + Send + 'static,
        F: FnOnce(LinkError) -> D + Send + 'static,
        D: IntoDisconnectInfo<C>,
        Codec: Clone + Send + 'static,
        Codec::Item: Send + 'static,
        Codec::Error: Error + Send + Sync + 'static,
    {
        let (reader, writer) = tokio::io::split(link);
        self.attach_split(reader, writer, ctx, lost);
    }

    /// Connects to `addr` over TCP and attaches the socket (Nagle's delay
    /// off: the pipeline writes whole batches), as a `#[connect]` handler of
    /// a TCP client does; `lost` as for [`attach`](Self::attach). Returns
    /// what the handler returns: [`Connect::Ok`](crate::Connect::Ok); or, when the connect
    /// fails, the connection's next backoff step ([`Context::backoff`]), or
    /// a stop with the error once its policy gives up. A host that never
    /// answers is given up on at the connection's
    /// [`connect_timeout`](crate::Options::connect_timeout), the same way.
    ///
    /// ```
    /// use std::net::SocketAddr;
    ///
    /// use connection::pipeline::{LinkError, Pipeline};
    /// use connection::{Attempt, Connect, Context, Disconnect, connection};
    /// use tokio_util::codec::LinesCodec;
    ///
    /// struct Lines {
    ///     addr: SocketAddr,
    ///     link: Pipeline<LinesCodec>,
    /// }
    ///
    /// #[connection]
    /// impl Lines {
    ///     #[connect]
    ///     async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
    ///         self.link.connect_tcp(self.addr, ctx, |lost| lost).await
    ///     }
    ///
    ///     #[disconnect]
    ///     async fn disconnect(&mut self, _lost: LinkError) -> Disconnect<()> {
    ///         self.link.detach();
    ///         Disconnect::Connect(())
    ///     }
    /// }
    /// ```
    pub async fn connect_tcp<C, A, F, D>(
        &mut self,
        addr: A,
        ctx: &mut Context<C>,
        lost: F,
    ) -> crate::outcome::Connect
    where
        C: Connection,
        A: tokio::net::ToSocketAddrs,
        F: FnOnce(LinkError) -> D + Send + 'static,
        D: IntoDisconnectInfo<C>,
        Codec: Clone + Send + 'static,
        Codec::Item: Send + 'static,
        Codec::Error: Error + Send + Sync + 'static,
    {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(socket) => {
                // Only a latency matter: a socket that refuses it still works.
                let _ = socket.set_nodelay(true);
                let (reader, writer) = socket.into_split();
                self.attach_split(reader, writer, ctx, lost);
                crate::outcome::Connect::Ok
            }
            Err(error) => ctx.backoff_or_stop(error),
        }
    }

    /// As [`attach`](Self::attach), for a link already split in two.
    pub fn attach_split<C, R, W, F, D>(
        &mut self,
        reader: R,
        writer: W,
        ctx: &mut Context<C>,
        lost: F,
    ) where
        C: Connection,
        R: AsyncRead + Send + 'static,
        W: AsyncWrite + Send + 'static,
        F: FnOnce(LinkError) -> D + Send + 'static,
        D: IntoDisconnectInfo<C>,
        Codec: Clone + Send + 'static,
        Codec::Item: Send + 'static,
        Codec::Error: Error + Send + Sync + 'static,
    {
        self.detach();
        self.write_through = !C::FLUSHES;
        #[cfg(debug_assertions)]
        ctx.watch_unwritten(self.unwritten.clone());
        let in_flight = Arc::new(InFlight::new(
            self.max_in_flight,
            self.response_timeout,
            self.keepalive.as_ref().map(|(interval, _)| *interval),
            ctx.status().clone(),
        ));
        let writer: Arc<SharedWriter> = Arc::new(tokio::sync::Mutex::new(Some(Box::pin(writer))));
        let ping = match &self.keepalive {
            Some((_, Ok(ping))) => Some(ping.clone()),
            Some((_, Err(error))) => {
                in_flight.end(error.clone());
                None
            }
            None => None,
        };
        let decoder = self.codec.clone();
        let reading = in_flight.clone();
        let pinging = writer.clone();
        ctx.disconnect_when_then(async move {
            // Aborted by a disconnect (or done): the requests still in
            // flight are answered, not left waiting.
            let end = EndOnDrop(reading.clone());
            let read = reader::read(
                Box::pin(reader),
                decoder,
                &reading,
                &pinging,
                ping.as_deref(),
            );
            let error = read.await;
            tracing::debug!(%error, "link lost");
            // Recorded, but the link is ended (its callers answered) only
            // once the loop knows of the loss: until then a request still
            // joins the link, as in flight, rather than fail unsent.
            let reason = reading.lost(error);
            (lost(reason).into_disconnect_info(), move || drop(end))
        });
        self.link = Some(Link { writer, in_flight });
    }

    /// Drops the current link: what is buffered is discarded and every
    /// request in flight is answered with [`LinkError::Detached`] (unless
    /// the link was lost first: then they already have that error). Call it
    /// in `disconnect`.
    pub fn detach(&mut self) {
        self.discard_buffer();
        if let Some(link) = self.link.take() {
            link.in_flight.end(LinkError::Detached);
        }
    }

    /// Encodes `request` into the write buffer and queues `reply` for its
    /// response. Written by the next [`flush`](Self::flush), or at once when
    /// the buffer passes the [`write_boundary`](Self::write_boundary) or
    /// holds [`max_batch`](Self::max_batch) requests.
    ///
    /// `reply` is answered with an error instead when there is no link
    /// ([`LinkError::NotConnected`]) or the request does not encode
    /// ([`LinkError::Encode`]). A request whose caller has already given up
    /// is not written. When [`max_in_flight`](Self::max_in_flight) requests
    /// wait, this writes out the buffer and waits for a response first.
    pub async fn send<R, P>(&mut self, request: R, reply: P)
    where
        Codec: Encoder<R>,
        <Codec as Encoder<R>>::Error: Error + Send + Sync + 'static,
        P: Respond<Codec::Item>,
    {
        if reply.is_closed() {
            return;
        }
        if let Err((Some(reply), error)) = self.enqueue(request, Some(reply)).await {
            reply.respond(Err(error));
        }
    }

    /// As [`send`](Self::send), for a request nobody waits for: its
    /// response is read and dropped (a `SUBSCRIBE`-less fire-and-forget, a
    /// ping of your own). Like any request it must be answered within the
    /// [response timeout](Self::response_timeout); for a periodic ping,
    /// [`keepalive`](Self::keepalive) does the work.
    ///
    /// # Errors
    ///
    /// Why the request was not written: [`LinkError::NotConnected`],
    /// [`LinkError::Encode`], or the error the link ended with.
    pub async fn send_unanswered<R>(&mut self, request: R) -> Result<(), LinkError>
    where
        Codec: Encoder<R>,
        <Codec as Encoder<R>>::Error: Error + Send + Sync + 'static,
    {
        self.enqueue(request, None::<Nobody>)
            .await
            .map_err(|(_, error)| error)
    }

    /// Encodes `request` and queues its responder; or gives the responder
    /// back with why the request was not written.
    async fn enqueue<R, P: Respond<Codec::Item>>(
        &mut self,
        request: R,
        reply: Option<P>,
    ) -> Result<(), (Option<P>, LinkError)>
    where
        Codec: Encoder<R>,
        <Codec as Encoder<R>>::Error: Error + Send + Sync + 'static,
    {
        // A link that has ended (its loss not handled yet) takes no more
        // requests: they are not written, and say so.
        let Some(link) = &self.link else {
            return Err((reply, LinkError::NotConnected));
        };
        let in_flight = link.in_flight.clone();
        match in_flight.try_take_slot() {
            Slot::Taken => {}
            Slot::Full => {
                // The responses that free a place may wait on what is
                // buffered.
                self.flush().await;
                if !in_flight.take_slot().await {
                    return Err((reply, LinkError::NotConnected));
                }
            }
            Slot::Ended => return Err((reply, LinkError::NotConnected)),
        }
        let mark = self.buffer.len();
        if let Err(error) = self.codec.encode(request, &mut self.buffer) {
            self.buffer.truncate(mark);
            in_flight.release_slot();
            return Err((reply, LinkError::Encode(Arc::new(error))));
        }
        let sent_at = *self.batch_started.get_or_insert_with(Instant::now);
        if let Err(reply) = in_flight.push(reply, sent_at) {
            self.buffer.truncate(mark);
            return Err((reply, LinkError::NotConnected));
        }
        self.buffered_requests += 1;
        #[cfg(debug_assertions)]
        self.unwritten
            .store(self.buffer.len(), std::sync::atomic::Ordering::Relaxed);
        if self.write_through
            || self.buffer.len() >= self.write_boundary
            || self.buffered_requests >= self.max_batch
        {
            self.flush().await;
        }
        Ok(())
    }

    /// Writes out everything buffered, then flushes the link. Call it from
    /// the block's `#[flush]` handler. A failed write ends the link: every
    /// request in flight gets the error and `disconnect` follows. A write
    /// that the peer does not take is given up when the link ends (the
    /// response timeout finds such a peer).
    pub async fn flush(&mut self) {
        self.buffered_requests = 0;
        self.batch_started = None;
        #[cfg(debug_assertions)]
        self.unwritten
            .store(0, std::sync::atomic::Ordering::Relaxed);
        if self.buffer.is_empty() {
            return;
        }
        let Some(Link { writer, in_flight }) = &self.link else {
            self.buffer.clear();
            return;
        };
        let buffer = &mut self.buffer;
        let written = async {
            let mut writer = writer.lock().await;
            let Some(link) = writer.as_mut() else {
                return Ok(());
            };
            let written = async {
                link.write_all_buf(buffer).await?;
                link.flush().await
            }
            .await;
            if written.is_err() {
                *writer = None;
            }
            written
        };
        let written = tokio::select! {
            biased;
            written = written => written,
            () = in_flight.until_ended() => Ok(()),
        };
        if let Err(error) = written {
            // Reported by the reader, which ends the link once the loop
            // knows (so no request in between is refused unsent).
            in_flight.write_failed(LinkError::io(error));
        }
        self.buffer.clear();
    }

    /// Sends `request`, writes it out, and waits for its response: for a
    /// handshake in `connect` (`AUTH`, `HELLO`, `SELECT`), where no caller
    /// waits. Elsewhere prefer [`send`](Self::send), which does not hold up
    /// the connection while the peer answers.
    ///
    /// # Errors
    ///
    /// The [`LinkError`] of the request or of its link.
    pub async fn request<R>(&mut self, request: R) -> Result<Codec::Item, LinkError>
    where
        Codec: Encoder<R>,
        <Codec as Encoder<R>>::Error: Error + Send + Sync + 'static,
        Codec::Item: Send + 'static,
    {
        let (reply, response) = ReplyTo::pair();
        self.send(request, reply).await;
        self.flush().await;
        match response.await {
            Ok(Answer::Reply(response)) => response,
            _ => Err(LinkError::Detached),
        }
    }
}

impl<Codec: Decoder> Drop for Pipeline<Codec> {
    fn drop(&mut self) {
        // Here, not when the reader task is aborted later: dropped with a
        // stopping connection's state, the requests in flight tell their
        // callers why it stopped.
        self.detach();
    }
}

impl<Codec: Decoder> fmt::Debug for Pipeline<Codec> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("attached", &self.is_attached())
            .field("in_flight", &self.in_flight())
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

/// Ends the link when the reader is done: with the reason it recorded, or
/// [`LinkError::Detached`] when a disconnect aborted it.
struct EndOnDrop<T>(Arc<InFlight<T>>);

impl<T> Drop for EndOnDrop<T> {
    fn drop(&mut self) {
        self.0.end(LinkError::Detached);
    }
}
