//! Links found lost by their watches (`Context::disconnect_when`, a
//! pipeline's reader), handed to the loop ahead of the mailbox.
//!
//! A loss queued behind the requests already in the mailbox would let each
//! of them meet the dead link first and fail, though none was written. So a
//! watch that completes puts its disconnect info here and raises a flag the
//! loop reads before it takes the next envelope; a payload-less envelope
//! only wakes a loop that is waiting on an empty mailbox.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio::sync::mpsc;

use crate::mailbox::{Envelope, Source};
use crate::types::ConnectionTypes;

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
