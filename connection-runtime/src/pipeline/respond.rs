//! Who a request's response goes to: the caller's [`ReplyTo`], as it is or
//! through a conversion ([`ReplyTo::map`]), so that a typed command is one
//! `#[call]`.

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

    /// The form the pipeline keeps: a `ReplyTo` as it is, anything else
    /// boxed.
    #[doc(hidden)]
    fn into_responder(self) -> Responder<Item>
    where
        Self: Sized,
    {
        Responder(Inner::Boxed(Box::new(self)))
    }
}

impl<Item: Send + 'static> Respond<Item> for ReplyTo<Result<Item, LinkError>> {
    fn respond(self, response: Result<Item, LinkError>) {
        let _ = self.send(response);
    }

    fn is_closed(&self) -> bool {
        ReplyTo::is_closed(self)
    }

    fn into_responder(self) -> Responder<Item> {
        Responder(Inner::Caller(self))
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

/// A [`Respond`] as the pipeline keeps it for a request in flight.
#[doc(hidden)]
pub struct Responder<Item>(Inner<Item>);

enum Inner<Item> {
    /// Unboxed: the common case costs no allocation.
    Caller(ReplyTo<Result<Item, LinkError>>),
    Boxed(Box<dyn Boxed<Item>>),
}

/// [`Respond`] through a box.
trait Boxed<Item>: Send {
    fn respond_boxed(self: Box<Self>, response: Result<Item, LinkError>);
}

impl<Item, R: Respond<Item>> Boxed<Item> for R {
    fn respond_boxed(self: Box<Self>, response: Result<Item, LinkError>) {
        (*self).respond(response);
    }
}

impl<Item> Responder<Item> {
    pub(super) fn send(self, response: Result<Item, LinkError>) {
        match self.0 {
            Inner::Caller(reply) => {
                let _ = reply.send(response);
            }
            Inner::Boxed(respond) => respond.respond_boxed(response),
        }
    }
}
