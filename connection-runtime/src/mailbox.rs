//! The connection's mailbox: what travels through it ([`Envelope`]), where
//! a fed item came from ([`Source`]), and how many envelopes are taken out
//! of it at once ([`batch_limit`]); the receiving end is
//! [`Lasting`](crate::lasting::Lasting)'s.

use tokio::sync::oneshot;

use crate::error::Stop;
use crate::types::ConnectionTypes;

/// What travels through a connection's mailbox.
pub(crate) enum Envelope<C: ConnectionTypes> {
    Message(C::Message),
    Info(C::Info),
    /// An info from a timer or an attached stream of the connection's own.
    Fed(Source, C::Info),
    /// A watch of the link ended (`Context::disconnect_when`): wakes the
    /// loop, which takes the loss from [`Losses`](crate::losses::Losses)
    /// ahead of the envelopes queued before this one.
    Lost,
    /// `Client::stop`: stop with this reason, then acknowledge. Boxed: it is
    /// rare, and every mailbox slot is as large as the largest variant.
    Stop(Box<(Stop, oneshot::Sender<()>)>),
}

/// Where a fed item came from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source {
    Timer(u64),
    Stream {
        id: u64,
        /// The end-of-stream item: the attachment is finished.
        last: bool,
    },
}

/// How many envelopes the connection takes out of a mailbox of `capacity`
/// at once: enough to share the cost of releasing their slots, few enough
/// that the mailbox's bound stays close to what was asked.
pub(crate) fn batch_limit(capacity: usize) -> usize {
    (capacity / 8).clamp(1, 32)
}
