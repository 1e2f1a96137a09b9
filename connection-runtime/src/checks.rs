//! What the generated code asserts about the user's types, with errors
//! worded for the user: each trait here is named at the crate's root (hidden)
//! so that a failed check reads `SentBetweenTasks`, not a path through
//! `__private`.
//!
//! The Send checks work with the expansion (the macros crate's
//! `expand/checks.rs` says how): `#[connection]` checks each type it sends
//! once, spanned on the user's token, in a function generic like the block
//! (`let () = <Shared as SentBetweenTasks>::CHECKED;`), and writes `for<'a> T:
//! Send` on the items it generates for the types it makes (the message enum,
//! the info newtypes), so that a type that is not `Send` is one error on that
//! type rather than one in every generated item that needs it.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{self, Poll, ready};

use crate::connection::Connection;
use crate::context::Context;
use crate::outcome::{Attempt, Disconnect, Init};
use crate::reply::ReplyTo;
use crate::types::ConnectionTypes;
pub use crate::types::{IntoConnectInfo, IntoDisconnectInfo, IntoInfo};

/// The connect info of the first connect of a `#[connection]` block
/// without `#[init]`: its default.
#[diagnostic::on_unimplemented(
    message = "without an `#[init]`, the first connect gets `{Self}::default()`, and `{Self}` has no `Default`",
    label = "the connect info",
    note = "add an `#[init]` that returns `Init::Connect(..)` with the first connect's info, or implement `Default` for `{Self}`"
)]
pub trait FirstConnectInfo: Sized {
    /// The info.
    fn first() -> Self;
}

impl<T: Default> FirstConnectInfo for T {
    fn first() -> Self {
        T::default()
    }
}

/// The error type of a `#[call(flatten)]`: the client method returns the
/// handler's `Result<T, E>`, and a call that failed (timed out, refused,
/// stopped) as an `E` made from the [`CallError`](crate::CallError).
#[diagnostic::on_unimplemented(
    message = "`#[call(flatten)]` returns a failed call as `{Self}`, so `{Self}` must implement `From<CallError>`",
    label = "needs `From<connection::CallError>`",
    note = "implement `From<connection::CallError>` for `{Self}` (a type of another crate, such as `io::Error`, wrapped in an error of your own), or drop `flatten` to get `Result<Result<T, {Self}>, CallError>`"
)]
pub trait FromCallError: Sized {
    /// `Self::from(error)`.
    fn from_call_error(error: crate::error::CallError) -> Self;
}

#[diagnostic::do_not_recommend]
impl<E: From<crate::error::CallError>> FromCallError for E {
    #[inline]
    fn from_call_error(error: crate::error::CallError) -> Self {
        E::from(error)
    }
}

/// The reply of a `#[call(flatten)]` written another way than
/// `Result<T, E>` (an alias: `io::Result<T>`, a crate's own `Result<T>`):
/// a `Result` whose error is made from a failed call.
#[diagnostic::on_unimplemented(
    message = "`#[call(flatten)]` returns a failed call inside the reply, so the reply must be a `Result<T, E>` (or an alias of one); `{Self}` is not",
    label = "not a `Result`",
    note = "reply `Result<{Self}, E>` with `E: From<connection::CallError>`, or drop `flatten` to get `Result<{Self}, CallError>`"
)]
pub trait FlattenedReply: Sized {
    /// `Err(E::from(error))`.
    fn from_call_error(error: crate::error::CallError) -> Self;
}

impl<T, E: FromCallError> FlattenedReply for Result<T, E> {
    #[inline]
    fn from_call_error(error: crate::error::CallError) -> Self {
        Err(E::from_call_error(error))
    }
}

/// A type that crosses between a client's task and the connection's: a
/// request's argument, a reply, an info, a connect or disconnect info.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is sent to or from the connection's task, so it must be `Send`",
    label = "sent between tasks",
    note = "a type is `Send` when everything it holds is: look inside it for an `Rc`, a `RefCell`'s borrow, a raw pointer or a `dyn Trait` without `+ Send`"
)]
pub trait SentBetweenTasks {
    /// Named by the assertion; evaluating it checks the bound.
    const CHECKED: () = ();
}

// `do_not_recommend`: the error names this trait's message, not `Send`'s
// chain of "required for .." notes through the blanket impl.
#[diagnostic::do_not_recommend]
impl<T: Send + ?Sized> SentBetweenTasks for T {}

/// [`SentBetweenTasks`] for a type that holds an `Rc` by its written form.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is sent to or from the connection's task, so it must be `Send`, and `Rc` is not",
    label = "sent between tasks",
    note = "use `Arc` for `Rc` (and `sync::Weak` for `rc::Weak`)"
)]
pub trait SentHoldingRc {
    /// Named by the assertion; evaluating it checks the bound.
    const CHECKED: () = ();
}

#[diagnostic::do_not_recommend]
impl<T: Send + ?Sized> SentHoldingRc for T {}

/// [`SentBetweenTasks`] for a type that holds a `dyn Trait` of a standard
/// trait written without `+ Send`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is sent to or from the connection's task, so it must be `Send`, and a `dyn Trait` is only when written `dyn Trait + Send`",
    label = "sent between tasks",
    note = "add `+ Send` to the trait object (and `+ Sync` to share it, as in an `Arc`)"
)]
pub trait SentHoldingDyn {
    /// Named by the assertion; evaluating it checks the bound.
    const CHECKED: () = ();
}

#[diagnostic::do_not_recommend]
impl<T: Send + ?Sized> SentHoldingDyn for T {}

/// [`SentBetweenTasks`] for a type that holds a shared reference to a
/// `dyn Trait` written without `+ Sync`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is sent to or from the connection's task, so it must be `Send`, and a shared reference is only when what it points to is `Sync`",
    label = "sent between tasks",
    note = "add `+ Sync` to the trait object behind the reference (`&'static (dyn Trait + Sync)`)"
)]
pub trait SentHoldingSharedDyn {
    /// Named by the assertion; evaluating it checks the bound.
    const CHECKED: () = ();
}

#[diagnostic::do_not_recommend]
impl<T: Send + ?Sized> SentHoldingSharedDyn for T {}

/// A call's returned reply, sent from the connection's task to its caller.
/// `Send` itself (a supertrait), so that the runtime may rely on it; a
/// trait of its own rather than [`SentBetweenTasks`], whose assertions read
/// better without one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is sent to or from the connection's task, so it must be `Send`",
    label = "sent between tasks",
    note = "a type is `Send` when everything it holds is: look inside it for an `Rc`, a `RefCell`'s borrow, a raw pointer or a `dyn Trait` without `+ Send`"
)]
pub trait RepliedAcrossTasks: Send {}

#[diagnostic::do_not_recommend]
impl<T: Send + ?Sized> RepliedAcrossTasks for T {}

/// The connection's own type: `start` moves it to the task it runs on.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is moved to the connection's own task by `start`, so it must be `Send`",
    label = "runs on its own task",
    note = "a type is `Send` when everything it holds is: look inside it for an `Rc`, a `RefCell`'s borrow, a raw pointer or a `dyn Trait` without `+ Send`"
)]
pub trait MovedToTask {
    /// Named by the assertion; evaluating it checks the bound.
    const CHECKED: () = ();
}

#[diagnostic::do_not_recommend]
impl<T: Send + ?Sized> MovedToTask for T {}

/// A handler's future, checked to be `Send` where the handler is called:
/// spanned at the handler's name, the error names it ("future returned by
/// `count` is not `Send`") instead of the dispatch that awaits it. The
/// result is declared `Send`, so that the dispatch around it is not a
/// second error.
#[inline]
pub fn handler_future<F: Future + Send>(future: F) -> impl Future<Output = F::Output> + Send {
    future
}

/// A call handler's `future`, with its `ReplyTo` kept inside it until the
/// reply is ready, rather than in the dispatch's future: the dispatch's
/// future then holds no user type across an `.await`, and a reply that is
/// not `Send` is reported here, not in the dispatch. The expansion spans
/// the call at the handler's name, as [`handler_future`] and
/// [`send_reply`]: rustc reports a bound that fails at one place once, so a
/// future or a reply that is not `Send` is one error each.
#[inline]
pub fn answering<T, F>(to: ReplyTo<T>, future: F) -> Answering<T, F>
where
    T: RepliedAcrossTasks + 'static,
    F: Future<Output = T> + Send,
{
    Answering {
        to: Some(to),
        future,
    }
}

/// A `#[call(spawn)]` handler's `future`, which gives the future whose
/// output answers the call: as [`answering`], its `ReplyTo` kept inside
/// it; [`reply_from_task`] then runs what it gave on a task of its own.
#[inline]
pub fn spawning<T, F>(to: ReplyTo<T>, future: F) -> Answering<T, F>
where
    T: RepliedAcrossTasks + 'static,
    F: Future + Send,
{
    Answering {
        to: Some(to),
        future,
    }
}

/// The future a `#[call(spawn)]` handler returns, run on a task of its own;
/// the call is answered with its output. Named by the expansion where the
/// future's type is written without its output (`BoxFuture<'static, R>`,
/// an alias of the user's, `JoinHandle<R>`): `<F as SpawnedFuture>::Answer`.
///
/// A type that is no future is reported by rustc as not `Future` (where its
/// bound fails), at the handler's return type and name.
pub trait SpawnedFuture {
    /// What answers the call: the future's output.
    type Answer;
}

impl<F: Future> SpawnedFuture for F {
    type Answer = F::Output;
}

/// What `#[call(spawn)]` adds to the `impl Future` its handler returns:
/// the future runs on a task of its own, so it must not borrow the
/// connection, but an `impl Trait` in a method's return type captures
/// `&mut self`'s lifetime unless told. Written as a trait rather than
/// `+ 'static` so that a future that does borrow is reported as one
/// (rustc would offer to turn a bare `'static` into `'_`).
pub trait OwnedBySpawnedTask: 'static {}

impl<T: 'static> OwnedBySpawnedTask for T {}

/// Runs the future a `#[call(spawn)]` handler returned on a task of its
/// own ([`Context::reply_from_task`]), answering `to` with its output.
/// Spanned at the handler's name, as [`spawning`]: a future that is not
/// `Send`, or that borrows the connection, is one error there.
#[inline]
pub fn reply_from_task<C, T, G>(ctx: &Context<C>, to: ReplyTo<T>, task: G)
where
    C: ConnectionTypes,
    T: Send + 'static,
    G: Future<Output = T> + Send + 'static,
{
    ctx.reply_from_task(to, task);
}

pin_project_lite::pin_project! {
    /// The future of [`answering`] and [`spawning`]: a struct rather than an `async` block,
    /// which would keep the handler's future twice in every connection's
    /// task.
    pub struct Answering<T, F> {
        to: Option<ReplyTo<T>>,
        #[pin]
        future: F,
    }
}

impl<T, F: Future> Future for Answering<T, F> {
    type Output = (ReplyTo<T>, F::Output);

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let value = ready!(this.future.poll(cx));
        let to = this
            .to
            .take()
            .expect("`Answering` polled after it completed");
        Poll::Ready((to, value))
    }
}

/// Sends a call's returned reply now, or after `terminate` when the handler
/// requested a stop (the original answers a stopping call last). The
/// expansion spans this call at the handler's name, as [`answering`], so
/// that a reply that is not `Send` is reported once.
#[inline]
pub fn send_reply<C: Connection, T: RepliedAcrossTasks + 'static>(
    ctx: &mut Context<C>,
    to: ReplyTo<T>,
    value: T,
) {
    ctx.reply(to, value);
}

/// What a handler's parameter type is, by its type rather than its written
/// form: the macro knows a deferred reply and the context by how they are
/// written (`ReplyTo<T>`, `&mut Context<Self>`), so one under an alias or a
/// renamed import would be taken for a request argument, and the client
/// method would ask its caller for it.
///
/// The expansion calls `Probe::<Ty>::new().not_reply_to()` (and
/// `not_context`, or `runtime_reply_to` for a parameter written
/// `ReplyTo<T>`) inside a function generic like the block, spanned at the
/// parameter's type. An inherent method, found before [`Plain`]'s, applies
/// only to the runtime's own types, and carries a bound that cannot hold,
/// worded for the user: a trait bound rather than a constant, so that it is
/// checked in a generic block too, where a constant cannot be evaluated.
pub struct Probe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    /// The probe of `T`.
    #[must_use]
    pub const fn new() -> Self {
        Probe(PhantomData)
    }
}

impl<T: ?Sized> Default for Probe<T> {
    fn default() -> Self {
        Probe::new()
    }
}

/// [`Probe`]'s methods for every type but the runtime's own.
pub trait Plain {
    /// Not a [`ReplyTo`]: nothing to report.
    fn not_reply_to(&self) {}

    /// Not a [`Context`]: nothing to report.
    fn not_context(&self) {}

    /// Written `ReplyTo<T>` but not the runtime's: reported.
    fn runtime_reply_to(&self)
    where
        Self: NotTheRuntimesReplyTo,
    {
    }
}

impl<T: ?Sized> Plain for Probe<T> {}

/// A plain parameter that is a [`ReplyTo`] by its type.
#[diagnostic::on_unimplemented(
    message = "this parameter is a `ReplyTo` under another name: a deferred reply is known by its written form, `reply: ReplyTo<T>` (no alias, renamed import or `Option`); as written, the client method would ask its caller for one",
    label = "a `ReplyTo` under another name"
)]
pub trait ReplyToUnderAnotherName {}

/// A plain parameter that is the [`Context`] by its type.
#[diagnostic::on_unimplemented(
    message = "this parameter is the connection's `Context`: take it as `ctx: &mut Context<Self>`, written so (the macro knows it by that form, not through an alias)",
    label = "the context under another name"
)]
pub trait ContextUnderAnotherName {}

/// A parameter written `ReplyTo<T>` that is another type of that name.
#[diagnostic::on_unimplemented(
    message = "this `ReplyTo` is not `connection::ReplyTo`, which the bare name `ReplyTo` means to `#[connection]`: write your type's path (`module::ReplyTo<T>`) to take it as an argument",
    label = "not `connection::ReplyTo`"
)]
pub trait NotTheRuntimesReplyTo {}

impl<T> Probe<ReplyTo<T>> {
    /// A deferred reply: reported.
    pub fn not_reply_to(&self)
    where
        Self: ReplyToUnderAnotherName,
    {
    }

    /// The runtime's deferred reply: nothing to report.
    pub fn runtime_reply_to(&self) {}
}

impl<T> Probe<Option<ReplyTo<T>>> {
    /// A deferred reply, optional: reported.
    pub fn not_reply_to(&self)
    where
        Self: ReplyToUnderAnotherName,
    {
    }
}

impl<C: Connection> Probe<Context<C>> {
    /// The context, by value: reported.
    pub fn not_context(&self)
    where
        Self: ContextUnderAnotherName,
    {
    }
}

impl<C: Connection> Probe<&mut Context<C>> {
    /// The context: reported.
    pub fn not_context(&self)
    where
        Self: ContextUnderAnotherName,
    {
    }
}

impl<C: Connection> Probe<&Context<C>> {
    /// The context, shared: reported.
    pub fn not_context(&self)
    where
        Self: ContextUnderAnotherName,
    {
    }
}

/// A connect info type named by `#[init]` (`Init<A>`) or `#[disconnect]`
/// (`Disconnect<A>`), checked to be the one the `#[connect]` handler's
/// `Attempt<I>` fixed: the expansion passes the handler's outcome through
/// [`init_outcome`] or [`disconnect_outcome`] with `A` spelled from the
/// user's token, so that a different type is reported there, naming the
/// handler that fixed it, instead of as a mismatch with generated code.
#[diagnostic::on_unimplemented(
    message = "the connect info type is `{I}`, fixed by the `#[connect]` handler's `Attempt<{I}>`, but this is `{Self}`",
    label = "expected `{I}`",
    note = "`#[init]`'s `Init<I>`, `#[connect]`'s `Attempt<I>` and `#[disconnect]`'s `Disconnect<I>` name one type `I`, the info a connect is given"
)]
pub trait ConnectInfoOf<I> {
    /// The info itself.
    fn into_connect_info(self) -> I;
}

impl<I> ConnectInfoOf<I> for I {
    #[inline]
    fn into_connect_info(self) -> I {
        self
    }
}

/// A connect info `I` made the connection's `W` (the info itself, or the
/// expansion's newtype of it). Fails only where `#[cfg]` alternatives of
/// `#[connect]` take other types: `W` then converts from the one compiled
/// in alone, and an `#[init]` or `#[disconnect]` compiled in beside it
/// that names another is reported on that type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the connect info compiled in: the `#[connect]` handler under the same `#[cfg]`s takes another `Attempt<I>`",
    label = "not the connect info compiled in",
    note = "`#[init]`'s `Init<I>`, `#[connect]`'s `Attempt<I>` and `#[disconnect]`'s `Disconnect<I>` name one type `I` under each `#[cfg]`"
)]
pub trait WrappedAs<W> {
    /// The connection's connect info.
    fn wrapped(self) -> W;
}

#[diagnostic::do_not_recommend]
impl<I, W: From<I>> WrappedAs<W> for I {
    #[inline]
    fn wrapped(self) -> W {
        W::from(self)
    }
}

/// An `#[init]`'s outcome, its connect info checked ([`ConnectInfoOf`])
/// and made the connection's `W` ([`WrappedAs`]).
#[inline]
pub fn init_outcome<A: ConnectInfoOf<I>, I: WrappedAs<W>, W>(outcome: Init<A>) -> Init<W> {
    match outcome {
        Init::Ok => Init::Ok,
        Init::Connect(info) => Init::Connect(info.into_connect_info().wrapped()),
        Init::Backoff(delay) => Init::Backoff(delay),
        Init::Stop(reason) => Init::Stop(reason),
    }
}

/// A `#[disconnect]`'s outcome, its connect info checked ([`ConnectInfoOf`])
/// and made the connection's `W`, as [`init_outcome`].
#[inline]
pub fn disconnect_outcome<A: ConnectInfoOf<I>, I: WrappedAs<W>, W>(
    outcome: Disconnect<A>,
) -> Disconnect<W> {
    match outcome {
        Disconnect::Connect(info) => Disconnect::Connect(info.into_connect_info().wrapped()),
        Disconnect::NoConnect => Disconnect::NoConnect,
        Disconnect::Backoff(delay) => Disconnect::Backoff(delay),
        Disconnect::Stop(reason) => Disconnect::Stop(reason),
    }
}

/// The `#[connect]` handler's attempt, its info taken out of the
/// expansion's newtype by `inner`.
#[inline]
pub fn attempt_inner<W, I>(attempt: Attempt<W>, inner: impl FnOnce(W) -> I) -> Attempt<I> {
    match attempt {
        Attempt::Requested(info) => Attempt::Requested(inner(info)),
        Attempt::Backoff => Attempt::Backoff,
    }
}
