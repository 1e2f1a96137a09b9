//! What outlives one incarnation of a connection ([`Lasting`]): the
//! receiving end of its mailbox (taking envelopes out in batches), what it
//! publishes, the requests held for its next connect, and what each
//! incarnation's context is made from. Owned by the connection's task
//! ([`driver`](crate::driver)); each incarnation borrows it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{self, Poll, ready};

use tokio::sync::mpsc;

use crate::backoff::BackoffFactory;
use crate::connection::Connection;
use crate::context::Context;
use crate::deadline::{CoarseTimeout, Timeout};
use crate::mailbox::{Envelope, batch_limit};
use crate::status::Status;

/// What outlives one incarnation of a connection: its mailbox, what it
/// publishes, and the requests held for its next connect.
pub(crate) struct Lasting<C: Connection> {
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
    /// `Options::queue_capacity`, at most `u32::MAX`: half a word, beside
    /// the connect timeout's half.
    pub(crate) queue_capacity: u32,
    /// Builds each incarnation's backoff policy.
    pub(crate) backoff: BackoffFactory,
    /// Envelopes taken out of the mailbox together and not handled yet, the
    /// oldest last. Taking several at once releases their mailbox slots
    /// under one lock instead of one each; the buffer is freed whenever the
    /// mailbox runs dry, so an idle connection holds none.
    pub(crate) batch: Vec<Envelope<C>>,
    /// `Options::idle_timeout`, for each incarnation's context.
    pub(crate) standing_idle: Timeout,
    /// `Options::connect_timeout`: how long each `connect` may take.
    pub(crate) connect_timeout: CoarseTimeout,
}

impl<C: Connection> Lasting<C> {
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
