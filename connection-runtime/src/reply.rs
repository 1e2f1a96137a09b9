//! Deferred replies: the Rust form of the original's `from` and `reply/2`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;

use tokio::sync::oneshot;

use crate::error::{CallError, Stop};
use crate::status::polled_connection;

/// What travels back to a waiting caller.
///
/// The rare answers are boxed: this is the value of every call's oneshot
/// channel, and unboxed they would make it (and each copy of it) several
/// words larger than a reply.
pub(crate) enum Answer<T> {
    Reply(T),
    /// The `ReplyTo` was dropped unused by a handler.
    NoReply,
    /// The runtime answered for the handler without running it.
    Refused(Box<CallError>),
    /// The `ReplyTo` was dropped with the connection's state or queue when
    /// it stopped, for this reason.
    Stopped(Box<Stop>),
    /// The `ReplyTo` was dropped while a panic unwound, on a thread polling
    /// the connection of this [address](crate::status::Status::address) (0:
    /// none). The connection's own panic stops it: its caller learns the
    /// reason once the runtime has published it. Any other (a task the
    /// answer was handed to) stops nothing: a reply dropped.
    Panicked(usize),
}

// Why a thread-local: the `ReplyTo`s a stop drops sit inside the user's own
// types (the state, a disconnect info, a queued message), which the runtime
// drops but cannot walk. The decision is still taken in one place per drop:
// each place that drops them so calls `dropping_as_stopped` by name.
thread_local! {
    /// Set while the runtime drops what a stopped connection still holds, so
    /// that the `ReplyTo`s dropped then report the stop, not a missing reply.
    static STOPPING: RefCell<Option<Stop>> = const { RefCell::new(None) };
    /// `STOPPING` was set by a callback's `ctx.stop` for the rest of its
    /// poll, and is cleared when the poll returns.
    static STOPPING_THIS_POLL: Cell<bool> = const { Cell::new(false) };
}

/// A callback asked to stop (`ctx.stop`): until its current poll returns,
/// a `ReplyTo` it drops (one carried in a connect or disconnect info, or
/// its own call's) tells its caller the stop's reason, not a missing reply.
pub(crate) fn stopping_for_this_poll(reason: &Stop) {
    STOPPING.with_borrow_mut(|stopping| {
        if stopping.is_none() {
            *stopping = Some(reason.clone());
            STOPPING_THIS_POLL.set(true);
        }
    });
}

/// A callback's poll returned: what [`stopping_for_this_poll`] set ends.
#[inline]
pub(crate) fn end_of_poll() {
    if STOPPING_THIS_POLL.get() {
        STOPPING_THIS_POLL.set(false);
        STOPPING.set(None);
    }
}

/// Runs `f` with every `ReplyTo` dropped inside it answering its caller with
/// [`CallError::Stopped`](crate::CallError::Stopped)`(reason)`.
pub(crate) fn dropping_as_stopped<R>(reason: &Stop, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Stop>);
    impl Drop for Restore {
        fn drop(&mut self) {
            STOPPING.set(self.0.take());
        }
    }
    let _restore = Restore(STOPPING.replace(Some(reason.clone())));
    f()
}

/// Whether this thread is inside [`dropping_as_stopped`]: a `ReplyTo`
/// dropped now tells its caller the stop's reason.
#[cfg(feature = "pipeline")]
pub(crate) fn is_dropping_as_stopped() -> bool {
    STOPPING.with_borrow(Option::is_some)
}

/// The right to answer one call, once.
///
/// A `#[call]` handler that takes a `ReplyTo<T>` parameter is a *deferred*
/// call: the client method returns `T`, and the handler may answer later, from
/// anywhere. `ReplyTo` is `Send + 'static`, so it can be kept in the state or
/// carried in the disconnect info, as the TCP example's `close` does.
///
/// Dropping it unused gives the caller
/// [`CallError::NoReply`](crate::CallError::NoReply) at once, never a hang; if
/// the connection is stopping (a panic, a stop), the caller gets
/// [`CallError::Stopped`](crate::CallError::Stopped) instead.
///
/// ```
/// use connection::{connection, Attempt, Connect, Disconnect, ReplyTo};
///
/// struct Queue {
///     waiting: Vec<ReplyTo<u32>>,
/// }
///
/// #[connection]
/// impl Queue {
///     #[connect]
///     async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
///         Connect::Ok
///     }
///
///     #[disconnect]
///     async fn disconnect(&mut self, _info: ()) -> Disconnect<()> {
///         Disconnect::NoConnect
///     }
///
///     /// Waits for the next `push`.
///     #[call]
///     async fn pop(&mut self, reply: ReplyTo<u32>) {
///         self.waiting.push(reply);
///     }
///
///     /// Answers every waiting `pop`.
///     #[cast]
///     async fn push(&mut self, value: u32) {
///         for reply in self.waiting.drain(..) {
///             let _ = reply.send(value);
///         }
///     }
/// }
/// ```
#[must_use = "dropping a `ReplyTo` answers its caller with `CallError::NoReply`"]
pub struct ReplyTo<T> {
    // First, and zero-sized: when `T` is not `Send`, rustc explains why
    // `ReplyTo<T>` is not through `T` itself, not the channel's insides.
    value: PhantomData<T>,
    // `None` only once the answer has been sent.
    sender: Option<oneshot::Sender<Answer<T>>>,
}

impl<T> ReplyTo<T> {
    pub(crate) fn pair() -> (Self, oneshot::Receiver<Answer<T>>) {
        let (sender, receiver) = oneshot::channel();
        (
            ReplyTo {
                value: PhantomData,
                sender: Some(sender),
            },
            receiver,
        )
    }

    /// Answers the caller.
    ///
    /// # Errors
    ///
    /// Gives the value back if the caller is gone (it timed out or was
    /// cancelled); that is harmless and may be ignored.
    #[inline]
    pub fn send(mut self, value: T) -> Result<(), T> {
        let Some(sender) = self.sender.take() else {
            return Err(value);
        };
        sender
            .send(Answer::Reply(value))
            .map_err(|answer| match answer {
                Answer::Reply(value) => value,
                Answer::NoReply | Answer::Refused(_) | Answer::Stopped(_) | Answer::Panicked(_) => {
                    unreachable!("only a reply was sent")
                }
            })
    }

    /// A reply that answers this caller with `convert(value)`: for a
    /// handler whose caller waits for a `T` while what it has is a `U`,
    /// such as a [`Pipeline`](crate::pipeline::Pipeline) whose responses
    /// are the protocol's frames while the caller wants a typed answer.
    /// Dropped unused, it answers as a `ReplyTo` does.
    ///
    /// ```
    /// use connection::ReplyTo;
    ///
    /// /// A typed reply from a textual one.
    /// fn count(reply: ReplyTo<Result<u64, String>>) {
    ///     let reply = reply.map(|text: &str| text.parse().map_err(|_| format!("not a count: {text}")));
    ///     let _ = reply.send("42");
    /// }
    /// ```
    pub fn map<U, F>(self, convert: F) -> MapReply<T, F>
    where
        F: FnOnce(U) -> T,
    {
        MapReply { to: self, convert }
    }

    /// Answers the caller with `error` instead of a reply.
    pub(crate) fn refuse(mut self, error: CallError) {
        if let Some(sender) = self.sender.take() {
            let _ = sender.send(Answer::Refused(Box::new(error)));
        }
    }

    /// Whether the caller has stopped waiting (timed out or cancelled).
    pub fn is_closed(&self) -> bool {
        self.sender.as_ref().is_none_or(oneshot::Sender::is_closed)
    }
}

impl<T> Drop for ReplyTo<T> {
    // Inline, with the unused case out of line: every answered call drops an
    // empty `ReplyTo`, and that should cost one check.
    #[inline]
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            answer_unused(sender);
        }
    }
}

/// Answers for a `ReplyTo` dropped unused: why depends on how it was dropped.
#[cold]
#[inline(never)]
fn answer_unused<T>(sender: oneshot::Sender<Answer<T>>) {
    let answer = if std::thread::panicking() {
        Answer::Panicked(polled_connection())
    } else if let Some(reason) = STOPPING.with_borrow(Clone::clone) {
        Answer::Stopped(Box::new(reason))
    } else {
        Answer::NoReply
    };
    let _ = sender.send(answer);
}

/// A [`ReplyTo`] whose caller is answered with its value converted: see
/// [`ReplyTo::map`].
#[must_use = "dropping a `MapReply` answers its caller with `CallError::NoReply`"]
pub struct MapReply<T, F> {
    to: ReplyTo<T>,
    convert: F,
}

impl<T, F> MapReply<T, F> {
    /// Answers the caller with `value`, converted.
    ///
    /// # Errors
    ///
    /// Gives the converted value back if the caller is gone, as
    /// [`ReplyTo::send`] does.
    pub fn send<U>(self, value: U) -> Result<(), T>
    where
        F: FnOnce(U) -> T,
    {
        self.to.send((self.convert)(value))
    }

    /// Whether the caller has stopped waiting (timed out or cancelled).
    pub fn is_closed(&self) -> bool {
        self.to.is_closed()
    }
}

impl<T, F> fmt::Debug for MapReply<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapReply")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("closed", &self.is_closed())
            .finish()
    }
}
