//! Links found lost by their watches (`Context::disconnect_when`, a
//! pipeline's reader) or reported lost by a task ([`LinkToken`]), handed to
//! the loop ahead of the mailbox.
//!
//! A loss queued behind the requests already in the mailbox would let each
//! of them meet the dead link first and fail, though none was written. So a
//! watch that completes puts its disconnect info here and raises a flag the
//! loop reads before it takes the next envelope; a payload-less envelope
//! only wakes a loop that is waiting on an empty mailbox.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use crate::mailbox::{Envelope, Source};
use crate::types::{ConnectionTypes, IntoDisconnectInfo};

/// The losses reported and not yet taken by the loop.
pub(crate) struct Losses<C: ConnectionTypes> {
    pending: AtomicBool,
    reported: Mutex<Vec<(Source, C::DisconnectInfo)>>,
}

impl<C: ConnectionTypes> Losses<C> {
    pub(crate) fn new() -> Self {
        Losses {
            pending: AtomicBool::new(false),
            reported: Mutex::new(Vec::new()),
        }
    }

    /// A watch found its link lost: the loop handles it before its next
    /// envelope.
    pub(crate) fn report(
        &self,
        mailbox: &mpsc::WeakSender<Envelope<C>>,
        source: Source,
        info: C::DisconnectInfo,
    ) {
        self.reported
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((source, info));
        self.pending.store(true, Ordering::Release);
        // A full mailbox needs no wake: the loop is busy with it, and looks
        // here before each envelope.
        if let Some(mailbox) = mailbox.upgrade() {
            let _ = mailbox.try_send(Envelope::Lost);
        }
    }

    /// Whether a loss waits to be taken.
    #[inline(always)]
    pub(crate) fn is_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// The losses reported so far, oldest first.
    pub(crate) fn take(&self) -> Vec<(Source, C::DisconnectInfo)> {
        let mut reported = self.reported.lock().unwrap_or_else(PoisonError::into_inner);
        self.pending.store(false, Ordering::Release);
        std::mem::take(&mut *reported)
    }
}

/// Reports one link of a connection lost, from any task: a task answering
/// a `#[call(spawn)]` whose ping went unanswered, a keepalive of the
/// connection's own. Made by [`Context::link_token`](crate::Context::link_token)
/// in the `connect` that makes the link or in a handler while it is up (one
/// made between links is tied to the next), and cloned into the tasks that
/// use the link.
///
/// [`lost`](Self::lost) disconnects the link the token was made for, as a
/// watch given to [`Context::disconnect_when`](crate::Context::disconnect_when)
/// does when it completes: `disconnect` runs with the info before any
/// message still queued. Once that link has ended (any disconnect, any
/// report from a clone), the token reaches nothing: a task that finds an
/// old link dead cannot take down the new one.
///
/// ```
/// use connection::{connection, Attempt, Connect, Context, Disconnect, LinkToken};
/// use std::time::Duration;
///
/// struct Device {
///     link: Option<LinkToken<Self>>,
/// }
///
/// #[connection]
/// impl Device {
///     #[connect]
///     async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
///         self.link = Some(ctx.link_token());
///         Connect::Ok
///     }
///
///     #[disconnect]
///     async fn disconnect(&mut self, why: &'static str) -> Disconnect<()> {
///         self.link = None;
///         Disconnect::Connect(())
///     }
///
///     /// Answered on a task of its own, which finds the link dead.
///     #[call(spawn)]
///     async fn probe(&mut self) -> impl Future<Output = bool> {
///         let link = self.link.clone();
///         async move {
///             tokio::time::sleep(Duration::from_millis(1)).await;
///             if let Some(link) = link {
///                 link.lost("no answer to a probe");
///             }
///             false
///         }
///     }
/// }
/// ```
pub struct LinkToken<C: ConnectionTypes> {
    pub(crate) id: u64,
    pub(crate) losses: Arc<Losses<C>>,
    pub(crate) mailbox: mpsc::WeakSender<Envelope<C>>,
}

impl<C: ConnectionTypes> LinkToken<C> {
    /// The link this token was made for is lost: unless it has already
    /// ended, `disconnect` runs with `info` before the connection's next
    /// message. Does nothing once that link has ended or the connection
    /// has stopped; only the first report of a link is delivered.
    pub fn lost(&self, info: impl IntoDisconnectInfo<C>) {
        let source = Source::Stream {
            id: self.id,
            last: true,
        };
        let info = info.into_disconnect_info();
        self.losses.report(&self.mailbox, source, info);
    }
}

impl<C: ConnectionTypes> Clone for LinkToken<C> {
    fn clone(&self) -> Self {
        LinkToken {
            id: self.id,
            losses: self.losses.clone(),
            mailbox: self.mailbox.clone(),
        }
    }
}

impl<C: ConnectionTypes> fmt::Debug for LinkToken<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkToken").field("id", &self.id).finish()
    }
}
