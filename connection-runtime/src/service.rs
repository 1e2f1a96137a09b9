//! A `#[call]` of a client, or of a pool, as a [`tower::Service`],
//! with [`Load`] for tower's balancers. Available with the `tower` feature.
//!
//! Name the call by the message variant it sends: the generated message
//! enum has one variant per request, with the handler's parameters and its
//! `ReplyTo` as fields.
//!
//! ```
//! use connection::service::CallService;
//! use connection::{connection, Attempt, Connect, Disconnect};
//! use tower::{Service, ServiceExt};
//!
//! struct Kv;
//!
//! #[connection]
//! impl Kv {
//!     #[connect]
//!     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
//!         Connect::Ok
//!     }
//!
//!     #[disconnect]
//!     async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
//!         Disconnect::Connect(())
//!     }
//!
//!     #[call]
//!     async fn get(&mut self, key: String) -> Option<String> {
//!         (key == "hello").then(|| "world".to_owned())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Kv.start().await?;
//! let mut get = CallService::new(&client, |key, reply_to| KvMessage::Get { key, reply_to });
//! let value = get.ready().await?.call("hello".to_owned()).await?;
//! assert_eq!(value.as_deref(), Some("world"));
//! # Ok(())
//! # }
//! ```
//!
//! `poll_ready` reserves a place in the mailbox (of the chosen member, for
//! a pool), so a connection that falls behind holds its callers back
//! through tower's layers rather than queue without bound; `call` sends
//! into the place reserved. Both compose with `tower`'s `timeout`,
//! `limit` and `retry` layers, and [`CallService`] with `balance::p2c`
//! over several clients (a [`Pool`] does that choice itself).

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::sync::mpsc::OwnedPermit;
use tokio_util::sync::{PollSender, ReusableBoxFuture};
use tower::load::Load;
use tower_service::Service;

use crate::client::Client;
use crate::connection::Connection;
use crate::error::CallError;
use crate::mailbox::Envelope;
use crate::pool::{Chosen, Pool, PoolError};
use crate::reply::ReplyTo;

/// The future of a call through a service: the answer, within the client's
/// timeout.
pub type CallFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

/// One `#[call]` of one connection as a [`Service`]: `request` makes the
/// message from the service's request and the call's `ReplyTo` (the
/// variant of the generated message enum). Cloning gives a service of its
/// own (with no place reserved).
pub struct CallService<C: Connection, F, R> {
    client: Client<C>,
    request: F,
    mailbox: PollSender<Envelope<C>>,
    reply: PhantomData<fn() -> R>,
}

impl<C: Connection, F: Clone, R> CallService<C, F, R> {
    /// A service sending `request(req, reply_to)` through `client`
    /// (a generated client, or the generic one).
    pub fn new<Req>(client: &impl AsRef<Client<C>>, request: F) -> Self
    where
        F: Fn(Req, ReplyTo<R>) -> C::Message,
    {
        let client = client.as_ref().clone();
        // Its `Load` counts what the connection holds from the start.
        client.status().watch_load();
        CallService {
            mailbox: PollSender::new(client.mailbox().clone()),
            client,
            request,
            reply: PhantomData,
        }
    }
}

impl<C, F, R, Req> Service<Req> for CallService<C, F, R>
where
    C: Connection,
    F: Fn(Req, ReplyTo<R>) -> C::Message,
    R: Send + 'static,
{
    type Response = R;
    type Error = CallError;
    type Future = CallFuture<R, CallError>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), CallError>> {
        match ready!(self.mailbox.poll_reserve(cx)) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(_closed) => Poll::Ready(Err(self.client.status().stopped_now())),
        }
    }

    fn call(&mut self, request: Req) -> Self::Future {
        let (reply_to, answer) = ReplyTo::pair();
        let ends = self.client.status().ends();
        let envelope = Envelope::Message((self.request)(request, reply_to));
        if let Err(unsent) = self.mailbox.send_item(envelope) {
            // Called without a place reserved: a place if there is one now.
            let sent = match unsent.into_inner() {
                Some(envelope) => {
                    self.client
                        .mailbox()
                        .try_send(envelope)
                        .map_err(|full| match full {
                            tokio::sync::mpsc::error::TrySendError::Full(_) => CallError::Full,
                            tokio::sync::mpsc::error::TrySendError::Closed(_) => {
                                self.client.status().stopped_now()
                            }
                        })
                }
                None => Err(self.client.status().stopped_now()),
            };
            if let Err(error) = sent {
                return Box::pin(std::future::ready(Err(error)));
            }
        }
        let client = self.client.clone();
        Box::pin(async move { client.answer(answer, ends).await })
    }
}

impl<C: Connection, F, R> Load for CallService<C, F, R> {
    type Metric = usize;

    /// The connection's [`Client::load`].
    fn load(&self) -> usize {
        self.client.load()
    }
}

impl<C: Connection, F: Clone, R> Clone for CallService<C, F, R> {
    fn clone(&self) -> Self {
        CallService {
            client: self.client.clone(),
            request: self.request.clone(),
            mailbox: PollSender::new(self.client.mailbox().clone()),
            reply: PhantomData,
        }
    }
}

impl<C: Connection, F, R> fmt::Debug for CallService<C, F, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallService")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// A member chosen and a place in its mailbox, or why not.
type Reserved<C> = Result<Reservation<C>, PoolCallError>;

/// A member chosen for the next call and a place in its mailbox; the
/// choice counts against the pool's cap per member until the call is
/// answered.
struct Reservation<C: Connection>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    client: Client<C>,
    place: OwnedPermit<Envelope<C>>,
    chosen: Chosen<'static, C>,
}

/// One `#[call]` of a [`Pool`] as a [`Service`]: `poll_ready` chooses a
/// member as [`Pool::client`] does (waiting for one to connect, within the
/// pool's wait) and reserves a place in its mailbox; `call` sends there.
pub struct PoolService<C: Connection, F, R>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    pool: Pool<C>,
    request: F,
    reserving: ReusableBoxFuture<'static, Reserved<C>>,
    /// Whether `reserving` runs (or has finished, into `reserved`).
    is_reserving: bool,
    reserved: Option<Reservation<C>>,
    reply: PhantomData<fn() -> R>,
}

impl<C: Connection, F, R> PoolService<C, F, R>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    /// A service sending `request(req, reply_to)` to a member of `pool`.
    pub fn new<Req>(pool: &Pool<C>, request: F) -> Self
    where
        F: Fn(Req, ReplyTo<R>) -> C::Message,
    {
        PoolService {
            pool: pool.clone(),
            request,
            reserving: ReusableBoxFuture::new(std::future::pending()),
            is_reserving: false,
            reserved: None,
            reply: PhantomData,
        }
    }
}

async fn reserve<C: Connection>(pool: Pool<C>) -> Reserved<C>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    let chosen = pool
        .client()
        .await
        .map_err(PoolCallError::Pool)?
        .into_owned();
    let client = chosen.as_ref().clone();
    match client.mailbox().clone().reserve_owned().await {
        Ok(place) => Ok(Reservation {
            client,
            place,
            chosen,
        }),
        Err(_closed) => Err(PoolCallError::Call(client.status().stopped_now())),
    }
}

impl<C, F, R, Req> Service<Req> for PoolService<C, F, R>
where
    C: Connection,
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
    F: Fn(Req, ReplyTo<R>) -> C::Message,
    R: Send + 'static,
{
    type Response = R;
    type Error = PoolCallError;
    type Future = CallFuture<R, PoolCallError>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), PoolCallError>> {
        if self.reserved.is_some() {
            return Poll::Ready(Ok(()));
        }
        if !self.is_reserving {
            self.reserving.set(reserve(self.pool.clone()));
            self.is_reserving = true;
        }
        let reserved = ready!(self.reserving.poll(cx));
        self.is_reserving = false;
        self.reserved = Some(reserved?);
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Req) -> Self::Future {
        let Some(Reservation {
            client,
            place,
            chosen,
        }) = self.reserved.take()
        else {
            return Box::pin(std::future::ready(Err(PoolCallError::Call(
                CallError::Full,
            ))));
        };
        let (reply_to, answer) = ReplyTo::pair();
        let ends = client.status().ends();
        place.send(Envelope::Message((self.request)(request, reply_to)));
        Box::pin(async move {
            let answered = client.answer(answer, ends).await;
            drop(chosen);
            answered.map_err(PoolCallError::Call)
        })
    }
}

impl<C: Connection, F, R> Load for PoolService<C, F, R>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    type Metric = usize;

    /// The members' load, summed.
    fn load(&self) -> usize {
        self.pool.load()
    }
}

impl<C: Connection, F: Clone, R> Clone for PoolService<C, F, R>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn clone(&self) -> Self {
        PoolService {
            pool: self.pool.clone(),
            request: self.request.clone(),
            reserving: ReusableBoxFuture::new(std::future::pending()),
            is_reserving: false,
            reserved: None,
            reply: PhantomData,
        }
    }
}

impl<C: Connection, F, R> fmt::Debug for PoolService<C, F, R>
where
    C::Client: AsRef<Client<C>> + Clone + Send + Sync,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolService")
            .field("pool", &self.pool)
            .field("reserved", &self.reserved.is_some())
            .finish_non_exhaustive()
    }
}

/// Why a call through a [`PoolService`] failed: no member to send it to,
/// or the call itself.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PoolCallError {
    /// No member was there to take it ([`Pool::client`]'s error).
    Pool(PoolError),
    /// The call failed on its member.
    Call(CallError),
}

impl fmt::Display for PoolCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolCallError::Pool(error) => error.fmt(f),
            PoolCallError::Call(error) => error.fmt(f),
        }
    }
}

impl Error for PoolCallError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PoolCallError::Pool(error) => Some(error),
            PoolCallError::Call(error) => Some(error),
        }
    }
}

impl From<PoolError> for PoolCallError {
    fn from(error: PoolError) -> Self {
        PoolCallError::Pool(error)
    }
}

impl From<CallError> for PoolCallError {
    fn from(error: CallError) -> Self {
        PoolCallError::Call(error)
    }
}
