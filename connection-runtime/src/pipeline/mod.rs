//! Requests and responses over a byte stream, pipelined: the building block
//! of a protocol client. Available with the `pipeline` feature.
//!
//! A [`Pipeline`] owns the current link of a connection, split in two:
//!
//! - the write half, behind a buffer: [`Pipeline::send`] encodes a request
//!   into it (a tokio-util [`Encoder`]) and queues the caller's `ReplyTo`;
//!   [`Pipeline::flush`], called from the block's `#[flush]` handler, writes
//!   everything buffered in one go once the mailbox is drained. A buffer
//!   past [`write_boundary`](Pipeline::write_boundary) bytes or
//!   [`max_batch`](Pipeline::max_batch) requests is written at once.
//! - the read half, on a task of its own: each frame its [`Decoder`] makes
//!   answers the oldest request in flight, straight to the caller.
//!
//! When the link ends (the peer closes it, a read or write fails, bytes do
//! not decode, a frame comes that nobody asked for) every request in
//! flight is answered at once with one [`LinkError`], and `disconnect` runs
//! with the info made from it. Nothing from an old link reaches a caller
//! after that. At most [`max_in_flight`](Pipeline::max_in_flight) requests
//! wait for responses; past that, `send` writes out what is buffered and
//! waits for a place (and the mailbox, then the callers, wait behind it).
//!
//! Any `AsyncRead + AsyncWrite` link works: TCP, a Unix socket, TLS through
//! tokio-rustls, or `tokio::io::duplex` in tests.
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

use std::error::Error;
use std::fmt;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

pub use self::error::LinkError;
use self::in_flight::{InFlight, Responder, Slot};
use crate::reply::Answer;
use crate::{Connection, Context, ReplyTo};

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
    link: Option<Link<Codec::Item>>,
    write_boundary: usize,
    max_batch: usize,
    max_in_flight: usize,
}

struct Link<T> {
    /// `None` once a write failed: the reader then ends the link.
    writer: Option<Pin<Box<dyn AsyncWrite + Send>>>,
    in_flight: Arc<InFlight<T>>,
}

impl<Codec: Decoder> Pipeline<Codec> {
    /// A pipeline with no link yet, writing in one go up to 8 KiB or 64
    /// requests buffered, and allowing 4,096 requests in flight.
    pub fn new(codec: Codec) -> Self {
        Pipeline {
            codec,
            buffer: BytesMut::new(),
            buffered_requests: 0,
            link: None,
            write_boundary: DEFAULT_WRITE_BOUNDARY,
            max_batch: DEFAULT_MAX_BATCH,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
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

    /// Whether a link is attached and has not failed.
    #[must_use]
    pub fn is_attached(&self) -> bool {
        self.link.as_ref().is_some_and(|link| link.writer.is_some())
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
        self.buffer.clear();
        self.buffered_requests = 0;
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
        D: Into<C::DisconnectInfo> + Send + 'static,
        Codec: Clone + Send + 'static,
        Codec::Item: Send + 'static,
        Codec::Error: Error + Send + Sync + 'static,
    {
        let (reader, writer) = tokio::io::split(link);
        self.attach_split(reader, writer, ctx, lost);
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
        D: Into<C::DisconnectInfo> + Send + 'static,
        Codec: Clone + Send + 'static,
        Codec::Item: Send + 'static,
        Codec::Error: Error + Send + Sync + 'static,
    {
        self.detach();
        let in_flight = Arc::new(InFlight::new(self.max_in_flight));
        let decoder = self.codec.clone();
        let reading = in_flight.clone();
        ctx.disconnect_when(async move {
            // Aborted by a disconnect: the requests still in flight are
            // answered, not left waiting.
            let _end = EndOnDrop(&reading);
            let error = reader::read(Box::pin(reader), decoder, &reading).await;
            tracing::debug!(%error, "link lost");
            reading.end(error);
            // The first reason: a failed write may have ended it first.
            lost(reading.ended_with())
        });
        self.link = Some(Link {
            writer: Some(Box::pin(writer)),
            in_flight,
        });
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
    pub async fn send<R>(&mut self, request: R, reply: Responder<Codec::Item>)
    where
        Codec: Encoder<R>,
        <Codec as Encoder<R>>::Error: Error + Send + Sync + 'static,
    {
        if reply.is_closed() {
            return;
        }
        if let Err((Some(reply), error)) = self.enqueue(request, Some(reply)).await {
            let _ = reply.send(Err(error));
        }
    }

    /// As [`send`](Self::send), for a request nobody waits for: its
    /// response is read and dropped. For a keepalive ping from the
    /// `#[timeout]` handler: a link that died quietly is found out by it.
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
        self.enqueue(request, None)
            .await
            .map_err(|(_, error)| error)
    }

    /// Encodes `request` and queues its responder; or gives the responder
    /// back with why the request was not written.
    async fn enqueue<R>(
        &mut self,
        request: R,
        reply: Option<Responder<Codec::Item>>,
    ) -> Result<(), (Option<Responder<Codec::Item>>, LinkError)>
    where
        Codec: Encoder<R>,
        <Codec as Encoder<R>>::Error: Error + Send + Sync + 'static,
    {
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
                if let Err(error) = in_flight.take_slot().await {
                    return Err((reply, error));
                }
            }
            Slot::Ended(error) => return Err((reply, error)),
        }
        let mark = self.buffer.len();
        if let Err(error) = self.codec.encode(request, &mut self.buffer) {
            self.buffer.truncate(mark);
            in_flight.release_slot();
            return Err((reply, LinkError::Encode(Arc::new(error))));
        }
        if let Err(refused) = in_flight.push(reply) {
            self.buffer.truncate(mark);
            return Err(refused);
        }
        self.buffered_requests += 1;
        if self.buffer.len() >= self.write_boundary || self.buffered_requests >= self.max_batch {
            self.flush().await;
        }
        Ok(())
    }

    /// Writes out everything buffered, then flushes the link. Call it from
    /// the block's `#[flush]` handler. A failed write ends the link: every
    /// request in flight gets the error and `disconnect` follows.
    pub async fn flush(&mut self) {
        self.buffered_requests = 0;
        if self.buffer.is_empty() {
            return;
        }
        let Some(Link {
            writer: Some(writer),
            in_flight,
        }) = &mut self.link
        else {
            self.buffer.clear();
            return;
        };
        let written = async {
            writer.write_all_buf(&mut self.buffer).await?;
            writer.flush().await
        }
        .await;
        if let Err(error) = written {
            self.buffer.clear();
            in_flight.end(LinkError::io(error));
            if let Some(link) = &mut self.link {
                link.writer = None;
            }
        }
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

/// Ends the link with [`LinkError::Detached`] when the reader's task is
/// dropped before it ended it itself (a disconnect aborted it).
struct EndOnDrop<'a, T>(&'a InFlight<T>);

impl<T> Drop for EndOnDrop<'_, T> {
    fn drop(&mut self) {
        self.0.end(LinkError::Detached);
    }
}
