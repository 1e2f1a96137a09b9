//! Who a request's response goes to: the caller's [`ReplyTo`], as it is or
//! through a conversion ([`ReplyTo::map`]), so that a typed command is one
//! `#[call]`.
//!
//! A link keeps its requests in flight in one queue, in write order, while
//! their responders are of many types (one `MapReply` type per conversion).
//! Rather than box each one, a responder of another type than a plain
//! `ReplyTo` waits in a *lane*: a queue of its own type, made once per type
//! and link, and the request's place in the link's queue names its lane.
//! Requests of one lane are answered in the order they were written, so the
//! front of the lane is always the responder a response is for.

use std::any::{Any, TypeId};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use super::LinkError;
use crate::reply::{MapReply, ReplyTo};

/// What [`Pipeline::send`](super::Pipeline::send) answers with the
/// response to a request, or with the [`LinkError`] it met:
///
/// - a `ReplyTo<Result<Item, LinkError>>`: the caller gets the frame;
/// - a [`MapReply`] from [`ReplyTo::map`] whose conversion takes a
///   `Result<Item, LinkError>`: the caller gets what the conversion makes
///   of it, such as a typed value or the client's own error type.
///
/// Neither is boxed while its request is in flight.
///
/// ```
/// use connection::pipeline::{LinkError, Pipeline};
/// use connection::ReplyTo;
/// use tokio_util::codec::LinesCodec;
///
/// /// A line that must be a number.
/// fn number(line: Result<String, LinkError>) -> Result<u64, String> {
///     let line = line.map_err(|error| error.to_string())?;
///     line.parse().map_err(|_| format!("not a number: {line}"))
/// }
///
/// async fn count(link: &mut Pipeline<LinesCodec>, reply: ReplyTo<Result<u64, String>>) {
///     link.send("COUNT", reply.map(number)).await;
/// }
/// ```
pub trait Respond<Item>: Send + 'static {
    /// Answers the caller.
    fn respond(self, response: Result<Item, LinkError>);

    /// Whether the caller has stopped waiting: its request is not written.
    fn is_closed(&self) -> bool;

    /// Puts the responder where the link keeps it while its request is in
    /// flight: a `ReplyTo` as it is, anything else in the lane of its type.
    #[doc(hidden)]
    fn wait_in(self, lanes: &mut Lanes<Item>) -> Waiter<Item>
    where
        Self: Sized,
    {
        lanes.push(self)
    }
}

impl<Item: Send + 'static> Respond<Item> for ReplyTo<Result<Item, LinkError>> {
    fn respond(self, response: Result<Item, LinkError>) {
        let _ = self.send(response);
    }

    fn is_closed(&self) -> bool {
        ReplyTo::is_closed(self)
    }

    fn wait_in(self, _lanes: &mut Lanes<Item>) -> Waiter<Item> {
        Waiter(Place::Caller(self))
    }
}

impl<Item, T, F> Respond<Item> for MapReply<T, F>
where
    T: Send + 'static,
    F: FnOnce(Result<Item, LinkError>) -> T + Send + 'static,
{
    fn respond(self, response: Result<Item, LinkError>) {
        let _ = self.send(response);
    }

    fn is_closed(&self) -> bool {
        MapReply::is_closed(self)
    }
}

/// The responder of a request nobody waits for: there is none.
pub(super) enum Nobody {}

impl<Item> Respond<Item> for Nobody {
    fn respond(self, _response: Result<Item, LinkError>) {
        match self {}
    }

    fn is_closed(&self) -> bool {
        match *self {}
    }
}

/// Where the responder of a request in flight waits.
#[doc(hidden)]
pub struct Waiter<Item>(Place<Item>);

enum Place<Item> {
    /// The common case: the caller's own reply, unconverted.
    Caller(ReplyTo<Result<Item, LinkError>>),
    /// At the front of the link's lane of this index.
    Lane(usize),
}

/// The lanes of one link, one per responder type, made as types are first
/// seen; only ever added to, so a lane's index stays valid.
#[doc(hidden)]
pub struct Lanes<Item> {
    lanes: Vec<(TypeId, Arc<dyn AnyLane<Item>>)>,
}

/// The lanes as the reader holds them: copied from the link's when it
/// meets a lane it has not seen, so that answering needs no lock but the
/// lane's own.
pub(super) type LaneCopies<Item> = Vec<Arc<dyn AnyLane<Item>>>;

impl<Item> Default for Lanes<Item> {
    fn default() -> Self {
        Lanes { lanes: Vec::new() }
    }
}

impl<Item> Lanes<Item> {
    fn push<R: Respond<Item>>(&mut self, responder: R) -> Waiter<Item> {
        let id = TypeId::of::<R>();
        let index = match self.lanes.iter().position(|(lane_id, _)| *lane_id == id) {
            Some(index) => index,
            None => {
                let lane: Arc<dyn AnyLane<Item>> = Arc::new(Lane::<R> {
                    waiting: Mutex::new(VecDeque::new()),
                });
                self.lanes.push((id, lane));
                self.lanes.len() - 1
            }
        };
        let lane = self.lanes[index].1.as_any().downcast_ref::<Lane<R>>();
        let Some(lane) = lane else {
            unreachable!("a lane is found by the type it holds");
        };
        lane.lock().push_back(responder);
        Waiter(Place::Lane(index))
    }

    /// Copies the lanes `copies` lacks into it.
    pub(super) fn copy_new(&self, copies: &mut LaneCopies<Item>) {
        if copies.len() < self.lanes.len() {
            copies.extend(
                self.lanes[copies.len()..]
                    .iter()
                    .map(|(_, lane)| Arc::clone(lane)),
            );
        }
    }
}

impl<Item> Waiter<Item> {
    /// Answers the oldest request of its kind with `response`.
    pub(super) fn answer(self, response: Result<Item, LinkError>, lanes: &LaneCopies<Item>) {
        match self.0 {
            Place::Caller(reply) => {
                let _ = reply.send(response);
            }
            Place::Lane(index) => lanes[index].answer_front(response),
        }
    }

    /// Answers with `error` a request the link ended with in flight. Those
    /// are the newest of their lane: the reader may still be answering the
    /// older ones it took before the end.
    pub(super) fn fail_at_end(self, error: LinkError, lanes: &LaneCopies<Item>) {
        match self.0 {
            Place::Caller(reply) => {
                let _ = reply.send(Err(error));
            }
            Place::Lane(index) => lanes[index].answer_back(Err(error)),
        }
    }

    /// Drops the responder unanswered (the connection is stopping: a
    /// dropped responder tells its caller why), newest of its lane first as
    /// in [`fail_at_end`](Self::fail_at_end).
    pub(super) fn drop_at_end(self, lanes: &LaneCopies<Item>) {
        if let Place::Lane(index) = self.0 {
            lanes[index].drop_back();
        }
    }
}

/// The responders of one type, oldest first.
struct Lane<R> {
    waiting: Mutex<VecDeque<R>>,
}

impl<R> Lane<R> {
    fn lock(&self) -> MutexGuard<'_, VecDeque<R>> {
        // Nothing panics while holding it: a responder runs after it is
        // taken out.
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A [`Lane`] of any responder type.
pub(super) trait AnyLane<Item>: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn answer_front(&self, response: Result<Item, LinkError>);
    fn answer_back(&self, response: Result<Item, LinkError>);
    fn drop_back(&self);
}

impl<Item, R: Respond<Item>> AnyLane<Item> for Lane<R> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn answer_front(&self, response: Result<Item, LinkError>) {
        // Taken out first: the caller is answered outside the lock.
        let responder = self.lock().pop_front();
        if let Some(responder) = responder {
            responder.respond(response);
        }
    }

    fn answer_back(&self, response: Result<Item, LinkError>) {
        let responder = self.lock().pop_back();
        if let Some(responder) = responder {
            responder.respond(response);
        }
    }

    fn drop_back(&self) {
        let responder = self.lock().pop_back();
        drop(responder);
    }
}
