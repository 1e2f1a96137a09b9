//! Sources that feed the `#[info]` handler from the connection's own tasks:
//! timers (`Context::send_after`) and attached streams (`Context::attach`).
//!
//! Each item travels through the mailbox tagged with its source, and the
//! state machine delivers it only if the source is still live when the item
//! is taken: a cancelled timer or a stream scoped to an old connection can
//! have an item already queued, and it must not reach the handler.

use std::collections::HashMap;
use std::future::poll_fn;
use std::pin::pin;
use std::sync::Arc;
#[cfg(all(debug_assertions, feature = "pipeline"))]
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use futures_core::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

use crate::deadline::sleep_for;
use crate::error::Stop;
use crate::losses::{LinkToken, Losses};
use crate::mailbox::{Envelope, Source};
use crate::panic::{PanicMessage, catching};
use crate::types::ConnectionTypes;

/// A timer started by [`Context::send_after`](crate::Context::send_after).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timer(u64);

/// A stream attached by [`Context::attach`](crate::Context::attach) or
/// [`Context::attach_until_disconnect`](crate::Context::attach_until_disconnect).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Attachment(u64);

/// The live timers and attachments of one connection.
pub(crate) struct Feeds<C: ConnectionTypes> {
    next_id: u64,
    /// Pending timers: a timer's item is delivered only if it is still here.
    timers: HashMap<u64, AbortHandle>,
    /// Attached streams and link watches (each with its task) and link
    /// tokens (none), and whether each is scoped to the current link: what
    /// one of them feeds is delivered only while it is still here.
    streams: HashMap<u64, (Option<AbortHandle>, bool)>,
    /// Where `disconnect_when`'s watches report; made with the first.
    losses: Option<Arc<Losses<C>>>,
    /// Bytes a pipeline buffered and has not written (debug builds), and
    /// whether the loop has warned about them sitting there.
    #[cfg(all(debug_assertions, feature = "pipeline"))]
    unwritten: Option<(Arc<AtomicUsize>, bool)>,
}

impl<C: ConnectionTypes> Default for Feeds<C> {
    fn default() -> Self {
        Feeds {
            next_id: 0,
            timers: HashMap::new(),
            streams: HashMap::new(),
            losses: None,
            #[cfg(all(debug_assertions, feature = "pipeline"))]
            unwritten: None,
        }
    }
}

impl<C: ConnectionTypes> Feeds<C> {
    pub(crate) fn send_after(
        &mut self,
        mailbox: &mpsc::WeakSender<Envelope<C>>,
        info: C::Info,
        after: Duration,
    ) -> Timer {
        let id = self.next_id();
        let mailbox = mailbox.clone();
        let task = tokio::spawn(async move {
            sleep_for(after).await;
            if let Some(mailbox) = mailbox.upgrade() {
                let source = Source::Timer(id);
                let _ = mailbox.send(Envelope::Fed(source, info)).await;
            }
        });
        self.timers.insert(id, task.abort_handle());
        Timer(id)
    }

    pub(crate) fn cancel_timer(&mut self, timer: Timer) -> bool {
        self.timers
            .remove(&timer.0)
            .inspect(AbortHandle::abort)
            .is_some()
    }

    pub(crate) fn attach<S, F>(
        &mut self,
        mailbox: &mpsc::WeakSender<Envelope<C>>,
        stream: S,
        mut each: F,
        end: C::Info,
        scoped: bool,
    ) -> Attachment
    where
        S: Stream + Send + 'static,
        F: FnMut(S::Item) -> C::Info + Send + 'static,
    {
        let id = self.next_id();
        let mailbox = mailbox.clone();
        let task = tokio::spawn(async move {
            let fed = catching(async {
                let mut stream = pin!(stream);
                let source = |last| Source::Stream { id, last };
                // Mapped at once, so that the item itself need not be `Send`.
                while let Some(info) = poll_fn(|cx| stream.as_mut().poll_next(cx))
                    .await
                    .map(&mut each)
                {
                    // Each send waits for mailbox space: a fast stream is
                    // slowed to the pace of its handler.
                    let Some(mailbox) = mailbox.upgrade() else {
                        return;
                    };
                    if mailbox
                        .send(Envelope::Fed(source(false), info))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                if let Some(mailbox) = mailbox.upgrade() {
                    let _ = mailbox.send(Envelope::Fed(source(true), end)).await;
                }
            });
            if let Err(panic) = fed.await {
                stop_for_panic(&mailbox, "a stream given to `attach`", panic).await;
            }
        });
        self.streams.insert(id, (Some(task.abort_handle()), scoped));
        Attachment(id)
    }

    /// Runs `watch` on a task of its own, tied to the current link: its
    /// outcome becomes a disconnect, handled before the next envelope
    /// ([`Losses`]), and only while the watch is still here.
    pub(crate) fn disconnect_when<F>(
        &mut self,
        mailbox: &mpsc::WeakSender<Envelope<C>>,
        watch: F,
    ) -> Attachment
    where
        F: Future<Output = C::DisconnectInfo> + Send + 'static,
    {
        self.disconnect_when_then(mailbox, async move { (watch.await, || ()) })
    }

    /// As [`disconnect_when`](Self::disconnect_when); the watch's second
    /// output runs once the loss is reported. A pipeline's reader answers
    /// its callers there: the loop learns of the loss before any request
    /// can find the link ended.
    pub(crate) fn disconnect_when_then<F, T>(
        &mut self,
        mailbox: &mpsc::WeakSender<Envelope<C>>,
        watch: F,
    ) -> Attachment
    where
        F: Future<Output = (C::DisconnectInfo, T)> + Send + 'static,
        T: FnOnce() + Send + 'static,
    {
        let id = self.next_id();
        let mailbox = mailbox.clone();
        let losses = self.losses().clone();
        let task = tokio::spawn(async move {
            match catching(watch).await {
                Ok((info, then)) => {
                    losses.report(&mailbox, Source::Stream { id, last: true }, info);
                    then();
                }
                Err(panic) => {
                    stop_for_panic(&mailbox, "a watch given to `disconnect_when`", panic).await;
                }
            }
        });
        self.streams.insert(id, (Some(task.abort_handle()), true));
        Attachment(id)
    }

    /// A token for tasks to report the current link lost: live, like a
    /// watch, until the link ends.
    pub(crate) fn link_token(&mut self, mailbox: &mpsc::WeakSender<Envelope<C>>) -> LinkToken<C> {
        let id = self.next_id();
        self.streams.insert(id, (None, true));
        LinkToken {
            id,
            losses: self.losses().clone(),
            mailbox: mailbox.clone(),
        }
    }

    fn losses(&mut self) -> &Arc<Losses<C>> {
        self.losses.get_or_insert_with(|| Arc::new(Losses::new()))
    }

    pub(crate) fn detach(&mut self, attachment: Attachment) -> bool {
        self.streams
            .remove(&attachment.0)
            .inspect(|(task, _)| task.iter().for_each(AbortHandle::abort))
            .is_some()
    }

    /// Watches a pipeline's count of buffered, unwritten bytes (debug
    /// builds): see [`warn_if_unwritten`](Self::warn_if_unwritten).
    #[cfg(all(debug_assertions, feature = "pipeline"))]
    pub(crate) fn watch_unwritten(&mut self, bytes: Arc<AtomicUsize>) {
        self.unwritten = Some((bytes, false));
    }

    /// The loop is about to wait with bytes still buffered: nothing will
    /// write them, and their callers will wait until they time out. Said
    /// once a link, at warn level.
    #[cfg(all(debug_assertions, feature = "pipeline"))]
    pub(crate) fn warn_if_unwritten(&mut self) {
        if let Some((bytes, warned)) = &mut self.unwritten
            && !*warned
        {
            let bytes = bytes.load(std::sync::atomic::Ordering::Relaxed);
            if bytes > 0 {
                *warned = true;
                tracing::warn!(
                    bytes,
                    connection = std::any::type_name::<C>(),
                    "the connection waits with requests buffered and not written: \
                     call `Pipeline::flush` from the block's `#[flush]` handler"
                );
            }
        }
    }

    /// A link lost since the last look, if its watch is still live.
    #[inline(always)]
    pub(crate) fn take_lost(&mut self) -> Option<C::DisconnectInfo> {
        let losses = self.losses.as_ref().filter(|losses| losses.is_pending())?;
        let reported = losses.take();
        reported
            .into_iter()
            .find_map(|(source, info)| self.accept(source).then_some(info))
    }

    /// Whether an item from `source` may still be delivered; forgets a timer
    /// that fired and a stream that ended.
    pub(crate) fn accept(&mut self, source: Source) -> bool {
        match source {
            Source::Timer(id) => self.timers.remove(&id).is_some(),
            Source::Stream { id, last } if last => self.streams.remove(&id).is_some(),
            Source::Stream { id, .. } => self.streams.contains_key(&id),
        }
    }

    /// `disconnect` is about to run: streams scoped to this link are
    /// dropped, and whatever they already queued will be refused.
    pub(crate) fn end_link(&mut self) {
        self.streams.retain(|_, (task, scoped)| {
            if *scoped && let Some(task) = task {
                task.abort();
            }
            !*scoped
        });
    }

    /// The connection stopped: nothing feeds it any more.
    pub(crate) fn abort_all(&mut self) {
        for task in self.timers.values() {
            task.abort();
        }
        for task in self.streams.values().filter_map(|(task, _)| task.as_ref()) {
            task.abort();
        }
        self.timers.clear();
        self.streams.clear();
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// A task fed by the user's code (a stream and its mapping, a link's watch)
/// panicked: the connection stops with the panic, as for one of its own
/// callbacks, rather than wait for a source that is gone (a link whose
/// reader died would look connected for ever).
async fn stop_for_panic<C: ConnectionTypes>(
    mailbox: &mpsc::WeakSender<Envelope<C>>,
    what: &str,
    panic: PanicMessage,
) {
    if let Some(mailbox) = mailbox.upgrade() {
        let (done, _) = oneshot::channel();
        let reason = Stop::Panic(format!("{what} panicked: {panic}"));
        let _ = mailbox.send(Envelope::Stop(Box::new((reason, done)))).await;
    }
}
