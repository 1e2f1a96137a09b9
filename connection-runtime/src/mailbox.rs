//! The connection's mailbox: what travels through it ([`Envelope`]), where
//! a fed item came from ([`Source`]), and the receiving end the connection
//! keeps across incarnations ([`Shared`]), which takes envelopes out in
//! batches.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{self, Poll, ready};

use tokio::sync::{mpsc, oneshot};

use crate::backoff::BackoffFactory;
use crate::deadline::Timeout;
use crate::status::Status;
use crate::{Connection, Context, Stop};

/// What travels through a connection's mailbox.
pub(crate) enum Envelope<C: Connection> {
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

/// What outlives one incarnation of a connection: its mailbox, what it
/// publishes, and the requests held for its next connect.
pub(crate) struct Shared<C: Connection> {
    pub(crate) inbox: mpsc::Receiver<Envelope<C>>,
    pub(crate) weak_mailbox: mpsc::WeakSender<Envelope<C>>,
    pub(crate) status: Arc<Status>,
    /// Requests held while disconnected (`WhenDisconnected::Queue`), in
    /// arrival order, to run after the next successful connect. Created
    /// with the first, and boxed: this is part of every connection's memory.
    #[allow(
        clippy::box_collection,
        reason = "a thin pointer in every connection, the queue only in those that hold requests"
    )]
    pub(crate) held: Option<Box<VecDeque<C::Message>>>,
    pub(crate) queue_capacity: usize,
    /// Builds each incarnation's backoff policy.
    pub(crate) backoff: BackoffFactory,
    /// Envelopes taken out of the mailbox together and not handled yet, the
    /// oldest last. Taking several at once releases their mailbox slots
    /// under one lock instead of one each; the buffer is freed whenever the
    /// mailbox runs dry, so an idle connection holds none.
    pub(crate) batch: Vec<Envelope<C>>,
    /// `Options::idle_timeout`, for each incarnation's context.
    pub(crate) standing_idle: Timeout,
}

impl<C: Connection> Shared<C> {
    /// A fresh context for an incarnation's `init` and callbacks, at the
    /// start and after each restart.
    pub(crate) fn context(&self) -> Context<C> {
        Context::new(
            self.weak_mailbox.clone(),
            self.status.clone(),
            self.backoff.clone(),
        )
    }

    /// The envelopes queued and not handled yet.
    pub(crate) fn queued(&self) -> usize {
        self.batch.len() + self.inbox.len()
    }

    /// The next envelope from the mailbox, taking a batch when several are
    /// waiting; `None` once every client is gone. Call with an empty batch.
    ///
    /// A poll function rather than an `async fn`: the envelope is returned
    /// once, not moved through one more state machine on the hot path; and
    /// inlined, so that it is not moved through memory either.
    #[inline(always)]
    pub(crate) fn poll_receive(&mut self, cx: &mut task::Context<'_>) -> Poll<Option<Envelope<C>>> {
        debug_assert!(self.batch.is_empty());
        if self.inbox.len() > 1 {
            let limit = batch_limit(self.inbox.max_capacity());
            if limit > 1 {
                self.batch.reserve_exact(limit);
                ready!(self.inbox.poll_recv_many(cx, &mut self.batch, limit));
                self.status.set_taken(self.batch.len());
                self.batch.reverse();
                return Poll::Ready(self.batch.pop());
            }
        }
        if self.batch.capacity() != 0 {
            self.batch = Vec::new();
        }
        let received = self.inbox.poll_recv(cx);
        // The one taken, being handled; none once the mailbox is dry.
        self.status
            .set_taken(usize::from(matches!(received, Poll::Ready(Some(_)))));
        received
    }
}

/// How many envelopes the connection takes out of a mailbox of `capacity`
/// at once: enough to share the cost of releasing their slots, few enough
/// that the mailbox's bound stays close to what was asked.
pub(crate) fn batch_limit(capacity: usize) -> usize {
    (capacity / 8).clamp(1, 32)
}
