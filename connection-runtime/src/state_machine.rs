//! The loop that drives one incarnation of a connection: connect,
//! disconnect, the backoff timer, the idle timeout, messages, flush and
//! stop. The task around it (restarts, the final stop) is in `driver.rs`,
//! the mailbox it reads in `mailbox.rs`.
//!
//! Everything runs on one task, one callback at a time. The timers are plain
//! deadlines owned by the loop rather than separate tasks, so cancelling one
//! is clearing a field: a timer that was cancelled can never fire late, which
//! is what the original needs a generation check and a mailbox flush for.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{self, Poll, ready};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep, sleep_until};

use crate::connection::Connection;
use crate::context::{Context, StopRequest, Transition};
use crate::deadline::{Elapsed, Timeout, instant_after, within};
use crate::error::{CallError, Stop};
use crate::lasting::Lasting;
use crate::mailbox::Envelope;
use crate::outcome::{Attempt, Connect, Disconnect, Init};
use crate::reply::dropping_as_stopped;
use crate::request::{Request as _, WhenDisconnected};
use crate::shutdown::{Interrupted, bounded};
use crate::status::Described;

pin_project_lite::pin_project! {
    /// The handler of one envelope: a request's or an info's.
    #[project = HandlingProjection]
    enum Handling<R, I> {
        Request { #[pin] future: R },
        Info { #[pin] future: I },
    }
}

impl<R: Future<Output = ()>, I: Future<Output = ()>> Future for Handling<R, I> {
    type Output = ();

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<()> {
        match self.project() {
            HandlingProjection::Request { future } => future.poll(cx),
            HandlingProjection::Info { future } => future.poll(cx),
        }
    }
}

/// What runs before the next envelope is taken: a connect or disconnect
/// that is due, or one of the loop's own steps.
enum Due<C: Connection> {
    Connect(Attempt<C::ConnectInfo>),
    Disconnect(C::DisconnectInfo),
    /// Write out what the handlers buffered.
    Flush,
    /// Nothing happened within the idle timeout: the `#[timeout]` handler.
    IdleTimeout,
}

impl<C: Connection> From<Transition<C>> for Due<C> {
    fn from(transition: Transition<C>) -> Self {
        match transition {
            Transition::Connect(info) => Due::Connect(Attempt::Requested(info)),
            Transition::Disconnect(info) => Due::Disconnect(info),
        }
    }
}

/// The connection is stopping: why, whether for good, and who asked to be
/// told when it is done.
struct Halt {
    reason: Stop,
    /// A client asked for the stop, or every client is gone: nothing to
    /// restart for.
    last: bool,
    done: Option<oneshot::Sender<()>>,
    /// Replies of the stopping callback, sent after `terminate`.
    held_replies: Vec<Box<dyn FnOnce() + Send>>,
    /// A callback was cancelled past the shutdown timeout: what it left
    /// half done is not flushed.
    cancelled: bool,
}

impl Halt {
    /// A stop decided by a callback (or a panic in one).
    fn new(reason: Stop) -> Box<Self> {
        Box::new(Halt {
            reason,
            last: false,
            done: None,
            held_replies: Vec::new(),
            cancelled: false,
        })
    }

    /// A stop requested through the context, with the replies it holds.
    fn requested(stop: StopRequest) -> Box<Self> {
        Box::new(Halt {
            reason: stop.reason,
            last: false,
            done: None,
            held_replies: stop.held_replies,
            cancelled: false,
        })
    }

    /// A stop for good: a client asked for it, or every client is gone.
    fn last(reason: Stop, done: Option<oneshot::Sender<()>>) -> Box<Self> {
        Box::new(Halt {
            reason,
            last: true,
            done,
            held_replies: Vec::new(),
            cancelled: false,
        })
    }
}

/// How one incarnation ended.
pub(crate) enum Ended {
    /// A callback stopped it (or panicked); a supervisor may restart it.
    Stopped(Stop),
    /// Stopped for good, and who asked to be told.
    Last(Stop, Option<oneshot::Sender<()>>),
}

/// What the loop does next when no connect or disconnect is due
/// ([`Machine::poll_next_event`]).
enum Event<C: Connection> {
    /// An envelope to handle (a held request first).
    Envelope(Envelope<C>),
    /// A step of the loop's own: the backoff retry, a flush, the idle
    /// timeout.
    Due(Due<C>),
    /// Every client is gone.
    ClientsGone,
}

/// The future of [`Machine::poll_next_event`].
struct NextEvent<'a, 'm, C: Connection>(&'a mut Machine<'m, C>);

impl<C: Connection> Future for NextEvent<'_, '_, C> {
    type Output = Event<C>;

    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Event<C>> {
        self.0.poll_next_event(cx)
    }
}

/// Yields to the scheduler as `tokio::task::yield_now` does (the task runs
/// again after the others that are ready, and after the I/O driver is
/// polled), from inside a poll: the yield future registers its wake-up on
/// its first poll and is not needed after.
fn yield_once(cx: &mut task::Context<'_>) {
    let yielding = std::pin::pin!(tokio::task::yield_now());
    let _ = yielding.poll(cx);
}

/// The outcome of one step of the loop: the transition to run next, if any,
/// or a stop. The stop is boxed: it comes once, and every step's result is
/// moved through the loop.
type Step<C> = Result<Option<Due<C>>, Box<Halt>>;

/// Where the backoff timer is. One field, not a deadline and a count: the
/// two states never overlap, and this is part of every connection's memory.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BackoffTimer {
    Off,
    /// Fires at this instant.
    Armed(Instant),
    /// Has fired, and this many messages that were queued before it are
    /// still to be handled first (the original delivers the timer as a
    /// message, so it takes its place in the queue).
    Fired {
        behind: usize,
    },
}

impl BackoffTimer {
    /// When the armed timer fires.
    #[inline]
    fn armed(self) -> Option<Instant> {
        match self {
            BackoffTimer::Armed(at) => Some(at),
            BackoffTimer::Off | BackoffTimer::Fired { .. } => None,
        }
    }

    /// Armed, and its instant has come.
    #[inline]
    fn is_due(self) -> bool {
        self.armed().is_some_and(|at| at <= Instant::now())
    }
}

struct Machine<'a, C: Connection> {
    connection: C,
    ctx: Context<C>,
    lasting: &'a mut Lasting<C>,
    backoff: BackoffTimer,
    /// When the armed idle timeout fires.
    idle_at: Option<Instant>,
    /// The one timer behind both deadlines, reset rather than recreated.
    /// Boxed and made on first use: many connections never arm a timer, and
    /// inline it would be part of every connection's memory.
    timer: Option<Pin<Box<Sleep>>>,
    /// Callbacks run since the last `flush` (only counted when the
    /// connection has a `#[flush]` handler).
    unflushed: u32,
    /// The task yielded once since the last `flush`, to let the batch grow.
    flush_yielded: bool,
}

/// One incarnation after a successful `init`: the loop, then `terminate`.
#[allow(
    clippy::manual_async_fn,
    reason = "an `async fn` keeps its arguments twice"
)]
pub(crate) fn incarnation<'a, C: Connection>(
    connection: C,
    init: Init<C::ConnectInfo>,
    ctx: Context<C>,
    lasting: &'a mut Lasting<C>,
) -> impl Future<Output = Ended> + Send + 'a {
    let mut machine = Machine {
        connection,
        ctx,
        lasting,
        backoff: BackoffTimer::Off,
        idle_at: None,
        timer: None,
        unflushed: 0,
        flush_yielded: false,
    };
    // An idle timeout `init` asked for, or else the standing one, counts
    // from the start, as after any callback.
    machine.arm_idle();
    let first = match init {
        // `init` connected by itself.
        Init::Ok => {
            machine.set_connected(true);
            None
        }
        Init::Connect(info) => Some(Due::Connect(Attempt::Requested(info))),
        Init::Backoff(delay) => {
            machine.arm_backoff(delay);
            None
        }
        Init::Stop(_) => unreachable!("a failed init has no incarnation"),
    };
    async move {
        let halt = machine.run(first).await;
        let ended = machine.stop(halt).await;
        let reason = match &ended {
            Ended::Stopped(reason) | Ended::Last(reason, _) => reason.clone(),
        };
        // The state may hold `ReplyTo`s: their callers are told the reason.
        dropping_as_stopped(&reason, move || drop(machine));
        ended
    }
}

impl<C: Connection> Machine<'_, C> {
    /// The loop: a connect or disconnect when one is due, otherwise the
    /// next event and what it calls for; until a stop.
    ///
    /// An `async move` block rather than an `async fn`, which would keep
    /// `self` twice in this future, part of every connection's memory.
    #[allow(
        clippy::manual_async_fn,
        reason = "an `async fn` keeps its arguments twice"
    )]
    fn run(&mut self, first: Option<Due<C>>) -> impl Future<Output = Box<Halt>> + '_ {
        async move {
            let mut next = first;
            loop {
                // What the handlers before a connect or disconnect buffered
                // goes out first, on the link they wrote it for.
                if self.flush_due() && matches!(next, Some(Due::Connect(_) | Due::Disconnect(_))) {
                    match self.flush().await {
                        Ok(None) => {}
                        Ok(Some(_)) => tracing::debug!(
                            "a connect or disconnect requested by `flush` is dropped: one was already due"
                        ),
                        Err(halt) => break halt,
                    }
                }
                let step = match next.take() {
                    // Boxed: rare, and their futures (a connect's may hold a
                    // whole handshake) would otherwise be part of every idle
                    // connection's memory.
                    Some(Due::Connect(attempt)) => Box::pin(self.connect(attempt)).await,
                    Some(Due::Disconnect(info)) => Box::pin(self.disconnect(info)).await,
                    Some(Due::IdleTimeout) => Box::pin(self.idle_timeout()).await,
                    Some(Due::Flush) => self.flush().await,
                    None => 'event: {
                        // Not awaited while an `Event` is live: the task
                        // would keep it beside the handler's future.
                        let envelope = match NextEvent(self).await {
                            Event::Envelope(envelope) => envelope,
                            Event::Due(due) => break 'event Ok(Some(due)),
                            Event::ClientsGone => break 'event Err(Halt::last(Stop::Normal, None)),
                        };
                        self.event_arrived();
                        // The handler's future, made from the envelope
                        // (moved into it, not kept beside it) and borrowing
                        // only the state and the context.
                        let handling = match dispatch(
                            &mut self.connection,
                            &mut self.ctx,
                            self.lasting,
                            envelope,
                        ) {
                            Dispatch::Run(handling) => handling,
                            Dispatch::Done(step) => break 'event step,
                        };
                        let outcome = bounded(&self.lasting.status, handling).await;
                        self.after_handler(outcome)
                    }
                };
                match step {
                    Ok(due) => next = due,
                    Err(halt) => break halt,
                }
            }
        }
    }

    /// What the loop does next, when no connect or disconnect is due. The
    /// order of the checks is the loop's priority:
    ///
    /// 1. the backoff retry, once the envelopes queued before it fired are
    ///    handled (what was buffered before it is flushed first);
    /// 2. requests held while disconnected, which arrived before anything
    ///    still in the mailbox;
    /// 3. noticing a backoff that is due, even while messages keep coming:
    ///    it then waits only for those already queued;
    /// 4. the envelopes already taken out of the mailbox;
    /// 5. the flush, once the batch is done (after yielding once, so that
    ///    callers it answered can join it) or after 128 events without a
    ///    pause;
    /// 6. the mailbox, biased before the timers: a message already queued
    ///    goes before a timer that is due, so a zero idle timeout fires
    ///    only on an empty mailbox.
    ///
    /// A poll function, not an `async fn`: it keeps nothing between polls
    /// but the machine's own fields, so waiting for the next event adds
    /// nothing to the task's state and moves the envelope once.
    #[inline(always)]
    fn poll_next_event(&mut self, cx: &mut task::Context<'_>) -> Poll<Event<C>> {
        loop {
            // A lost link first: a request taken before it would meet the
            // dead link.
            if let Some(info) = self.ctx.take_lost() {
                return Poll::Ready(Event::Due(Due::Disconnect(info)));
            }
            if let BackoffTimer::Fired { behind: 0 } = self.backoff {
                return Poll::Ready(Event::Due(if self.flush_due() {
                    Due::Flush
                } else {
                    Due::Connect(Attempt::Backoff)
                }));
            }
            // (Connected, so no backoff is counting down.)
            if let Some(message) = self.next_held() {
                return Poll::Ready(Event::Envelope(Envelope::Message(message)));
            }
            if self.backoff.is_due() {
                self.backoff_fired();
                continue;
            }
            if let Some(envelope) = self.lasting.batch.pop() {
                // This one and those behind it.
                self.lasting.status.set_taken(self.lasting.batch.len() + 1);
                return Poll::Ready(Event::Envelope(envelope));
            }
            if self.flush_due() {
                if self.unflushed >= FLUSH_AT_LEAST_EVERY {
                    return Poll::Ready(Event::Due(Due::Flush));
                }
                if self.lasting.inbox.is_empty() {
                    if self.flush_yielded {
                        return Poll::Ready(Event::Due(Due::Flush));
                    }
                    self.flush_yielded = true;
                    yield_once(cx);
                    return Poll::Pending;
                }
            }
            if let Poll::Ready(received) = self.lasting.poll_receive(cx) {
                return Poll::Ready(received.map_or(Event::ClientsGone, Event::Envelope));
            }
            #[cfg(all(debug_assertions, feature = "pipeline"))]
            self.ctx.warn_if_unwritten();
            // One timer for both deadlines: a connection holds one `Sleep`,
            // not two, while it waits.
            let next_deadline = match (self.backoff.armed(), self.idle_at) {
                (Some(backoff), Some(idle)) => Some(backoff.min(idle)),
                (backoff, idle) => backoff.or(idle),
            };
            let Some(deadline) = next_deadline else {
                return Poll::Pending;
            };
            ready!(timer_at(&mut self.timer, deadline).poll(cx));
            if self.backoff.is_due() {
                self.backoff_fired();
                continue;
            }
            return Poll::Ready(Event::Due(Due::IdleTimeout));
        }
    }

    /// An envelope arrived: any event disarms the idle timeout, and a fired
    /// backoff has one envelope fewer to wait for.
    #[inline(always)]
    fn event_arrived(&mut self) {
        self.idle_at = None;
        if let BackoffTimer::Fired { behind } = &mut self.backoff {
            *behind = behind.saturating_sub(1);
        }
    }

    /// No event within the idle timeout: the `#[timeout]` handler.
    async fn idle_timeout(&mut self) -> Step<C> {
        self.idle_at = None;
        tracing::trace!("idle timeout");
        let outcome = bounded(&self.lasting.status, self.connection.timeout(&mut self.ctx)).await;
        self.after_handler(outcome)
    }

    /// The backoff timer has fired: it now waits only for the envelopes
    /// already queued.
    fn backoff_fired(&mut self) {
        self.backoff = BackoffTimer::Fired {
            behind: self.lasting.queued(),
        };
    }

    /// The oldest held request whose caller still waits, once connected.
    fn next_held(&mut self) -> Option<C::Message> {
        let held = self.lasting.held.as_mut()?;
        if !self.ctx.is_connected() {
            return None;
        }
        while let Some(message) = held.pop_front() {
            if !message.is_abandoned() {
                return Some(message);
            }
        }
        None
    }

    /// Connected or not: kept once, in the status (which the context and
    /// the clients read).
    fn set_connected(&mut self, connected: bool) {
        self.lasting.status.set_connected(connected);
    }

    async fn connect(&mut self, attempt: Attempt<C::ConnectInfo>) -> Step<C> {
        self.cancel_backoff();
        self.idle_at = None;
        tracing::debug!(backoff = attempt.is_backoff(), "connect attempt");
        let connecting = bounded(
            &self.lasting.status,
            self.connection.connect(attempt, &mut self.ctx),
        );
        // No timer for a connect that returns at once (`within`).
        let outcome = match self.lasting.connect_timeout.duration() {
            None => connecting.await,
            Some(limit) => match within(Timeout::after(limit), connecting).await {
                Ok(outcome) => outcome,
                // Dropped where it waited: a failed attempt.
                Err(Elapsed) => Ok(self.connect_timed_out(limit)),
            },
        };
        if C::FLUSHES {
            // `connect` may have buffered a handshake.
            self.unflushed = self.unflushed.saturating_add(1);
        }
        match self.after_transition(outcome, "connect")? {
            Connect::Ok => {
                tracing::info!("connected");
                self.set_connected(true);
                self.ctx.reset_backoff();
                Ok(None)
            }
            Connect::Backoff(delay) => {
                // No link: what this attempt tied to one (a watch, a token)
                // must not take down the next.
                self.ctx.end_link();
                self.set_connected(false);
                self.arm_backoff(delay);
                Ok(None)
            }
            Connect::Stop(reason) => Err(Halt::new(reason)),
        }
    }

    /// A `connect` ran past `Options::connect_timeout` and was dropped: the
    /// attempt failed, as if it had returned `ctx.backoff_or_stop(..)`.
    #[cold]
    fn connect_timed_out(&mut self, limit: Duration) -> Connect {
        tracing::warn!(
            timeout_ms = limit.as_millis(),
            "connect did not finish in time: cancelled"
        );
        let failure = Described(format!("connect did not finish within {limit:?}"));
        self.ctx.backoff_or_stop(failure)
    }

    async fn disconnect(&mut self, info: C::DisconnectInfo) -> Step<C> {
        self.cancel_backoff();
        self.idle_at = None;
        // Written once for both: why the link went down is what a pool
        // that finds no member connected reports, unless the connection
        // recorded a better reason (a pipeline records its link's error).
        let reason = C::describe_disconnect(&info);
        tracing::info!(reason = reason.as_deref(), "disconnect");
        if let Some(reason) = reason {
            self.lasting.status.record_failure_unless_told(|| {
                Arc::new(Described(format!("disconnected: {reason}")))
            });
        }
        self.ctx.end_link();
        let outcome = bounded(
            &self.lasting.status,
            self.connection.disconnect(info, &mut self.ctx),
        )
        .await;
        let outcome = self.after_transition(outcome, "disconnect")?;
        self.set_connected(false);
        match outcome {
            Disconnect::Connect(info) => Ok(Some(Due::Connect(Attempt::Requested(info)))),
            Disconnect::NoConnect => Ok(None),
            Disconnect::Backoff(delay) => {
                self.arm_backoff(delay);
                Ok(None)
            }
            Disconnect::Stop(reason) => Err(Halt::new(reason)),
        }
    }

    /// Whether `flush` has something to write out: the connection has a
    /// `#[flush]` handler (decided at compile time; nothing is counted
    /// otherwise), and callbacks ran since it last did.
    #[inline(always)]
    fn flush_due(&self) -> bool {
        C::FLUSHES && self.unflushed != 0
    }

    /// Runs `flush`, once per batch.
    async fn flush(&mut self) -> Step<C> {
        self.unflushed = 0;
        self.flush_yielded = false;
        tracing::trace!("flush");
        let outcome = bounded(&self.lasting.status, self.connection.flush(&mut self.ctx)).await;
        let step = self.after_handler(outcome);
        self.unflushed = 0;
        step
    }

    /// After a call, cast, info, timeout or flush handler: a panic or a
    /// requested stop halts; otherwise the requested transition runs next.
    #[inline]
    fn after_handler(&mut self, outcome: Result<(), Interrupted>) -> Step<C> {
        if C::FLUSHES {
            self.unflushed = self.unflushed.saturating_add(1);
        }
        self.settle(outcome)?;
        Ok(self.ctx.take_transition().map(Due::from))
    }

    /// After `connect` or `disconnect`: their return value decides what
    /// happens next, so a transition requested through the context is dropped.
    fn after_transition<R>(
        &mut self,
        outcome: Result<R, Interrupted>,
        callback: &str,
    ) -> Result<R, Box<Halt>> {
        let value = self.settle(outcome)?;
        if self.ctx.take_transition().is_some() {
            transition_ignored(callback);
        }
        Ok(value)
    }

    #[inline]
    fn settle<R>(&mut self, outcome: Result<R, Interrupted>) -> Result<R, Box<Halt>> {
        let value = match outcome {
            Ok(value) => value,
            Err(Interrupted::Panic(panic)) => return Err(self.panicked(*panic)),
            Err(Interrupted::Shutdown) => return Err(self.cancelled()),
        };
        if let Some(stop) = self.ctx.take_stop() {
            return Err(Halt::requested(*stop));
        }
        self.arm_idle();
        Ok(value)
    }

    /// After a callback: the idle timeout it asked for, or else the
    /// standing one (`Options::idle_timeout`), counts from its return.
    #[inline]
    fn arm_idle(&mut self) {
        let asked = self.ctx.take_idle();
        match asked.asked() {
            Some(after) => self.idle_at = after.and_then(instant_after),
            None => {
                if let Some(standing) = self.lasting.standing_idle.duration() {
                    self.idle_at = instant_after(standing);
                }
            }
        }
    }

    /// A callback panicked: the connection stops with the panic, and the
    /// replies it held for a stop it had requested are still sent.
    #[cold]
    fn panicked(&mut self, panic: String) -> Box<Halt> {
        let mut halt = Halt::new(Stop::Panic(panic));
        if let Some(stop) = self.ctx.take_stop() {
            halt.held_replies = stop.held_replies;
        }
        halt
    }

    /// A callback ran past the shutdown timeout after a stop was asked for
    /// from outside, and was cancelled: the connection stops for good with
    /// the reason of the stop asked for (the first client's `stop`, or
    /// `Normal` when every client is gone).
    #[cold]
    fn cancelled(&mut self) -> Box<Halt> {
        let timeout_ms = self
            .lasting
            .status
            .shutdown_timeout()
            .duration()
            .map_or(u128::MAX, |timeout| timeout.as_millis());
        tracing::error!(
            timeout_ms,
            "a callback held up a stop past the shutdown timeout and was cancelled"
        );
        let reason = self.lasting.status.shutdown_reason();
        let mut halt = Halt::last(reason, self.take_stop_request());
        halt.cancelled = true;
        // What the cancelled callback asked for is moot; the replies it
        // held for a stop of its own still go out.
        let _ = self.ctx.take_transition();
        if let Some(stop) = self.ctx.take_stop() {
            halt.held_replies = stop.held_replies;
        }
        halt
    }

    /// Who waits for the first stop a client queued, taken out of the
    /// batch or the mailbox (what is taken on the way stays in the batch,
    /// answered with the reason when the connection ends).
    fn take_stop_request(&mut self) -> Option<oneshot::Sender<()>> {
        let batch = &mut self.lasting.batch;
        // The batch keeps the oldest last.
        let queued = batch
            .iter()
            .rposition(|envelope| matches!(envelope, Envelope::Stop(_)));
        if let Some(Envelope::Stop(stop)) = queued.map(|at| batch.remove(at)) {
            return Some(stop.1);
        }
        while let Ok(envelope) = self.lasting.inbox.try_recv() {
            match envelope {
                Envelope::Stop(stop) => return Some(stop.1),
                other => self.lasting.batch.insert(0, other),
            }
        }
        None
    }

    fn arm_backoff(&mut self, delay: Duration) {
        tracing::info!(delay_ms = delay.as_millis(), "backoff");
        // A delay of `NEVER` or more is the original's `:infinity`: no
        // timer, only a requested connect ends the wait.
        self.backoff = instant_after(delay).map_or(BackoffTimer::Off, BackoffTimer::Armed);
    }

    fn cancel_backoff(&mut self) {
        self.backoff = BackoffTimer::Off;
    }

    /// `terminate`, then the replies held for after it, then the end is
    /// published. The state is dropped by the caller; the mailbox and the
    /// held requests stay with `Lasting`, for a restart or the final stop.
    #[allow(
        clippy::manual_async_fn,
        reason = "an `async fn` keeps its arguments twice"
    )]
    fn stop(&mut self, mut halt: Box<Halt>) -> impl Future<Output = Ended> + '_ {
        async move {
            // What was buffered before the stop goes out, as it would have
            // unbuffered; not after a panic or a cancelled callback, which
            // may have left it half written. Whatever `flush` requests now
            // is moot.
            if self.flush_due() && !matches!(halt.reason, Stop::Panic(_)) && !halt.cancelled {
                self.unflushed = 0;
                let flushed = Box::pin(bounded(
                    &self.lasting.status,
                    self.connection.flush(&mut self.ctx),
                ))
                .await;
                let _ = self.ctx.take_transition();
                if let Some(stop) = self.ctx.take_stop() {
                    halt.held_replies.extend(stop.held_replies);
                }
                match flushed {
                    Ok(()) => {}
                    Err(Interrupted::Panic(panic)) => halt.reason = Stop::Panic(*panic),
                    Err(Interrupted::Shutdown) => {
                        tracing::error!(
                            "flush held up the stop past the shutdown timeout: cancelled"
                        );
                    }
                }
            }
            self.ctx.end_feeds();
            // The halt stays boxed across the await: this future is part of
            // the connection's memory for as long as it runs.
            let terminated = Box::pin(bounded(
                &self.lasting.status,
                self.connection.terminate(&halt.reason),
            ))
            .await;
            match terminated {
                Ok(()) => {}
                // As in the original, a crash in `terminate` replaces the reason.
                Err(Interrupted::Panic(panic)) => halt.reason = Stop::Panic(*panic),
                Err(Interrupted::Shutdown) => {
                    tracing::error!(
                        "terminate held up the stop past the shutdown timeout: cancelled"
                    );
                }
            }
            let Halt {
                reason,
                last,
                done,
                held_replies,
                cancelled: _,
            } = *halt;
            for reply in held_replies {
                reply();
            }
            log_stop::<C>(&reason);
            self.lasting.status.publish_end(&reason);
            if last {
                Ended::Last(reason, done)
            } else {
                Ended::Stopped(reason)
            }
        }
    }
}

/// What an envelope calls for: a handler to run, or a step taken at once
/// (a request refused or held while disconnected, an item of a cancelled
/// timer or an old link dropped, a link lost, a stop).
enum Dispatch<H, C: Connection> {
    Run(H),
    Done(Step<C>),
}

/// The handler of `envelope`, or the step it calls for at once. Takes the
/// state and the context apart from the rest of the machine, so that the
/// handler's future borrows only them while the loop reads the status.
#[inline(always)]
fn dispatch<'h, C: Connection>(
    connection: &'h mut C,
    ctx: &'h mut Context<C>,
    lasting: &mut Lasting<C>,
    envelope: Envelope<C>,
) -> Dispatch<
    Handling<
        impl Future<Output = ()> + Send + use<'h, C>,
        impl Future<Output = ()> + Send + use<'h, C>,
    >,
    C,
> {
    match envelope {
        Envelope::Message(message) => {
            tracing::trace!(request = message.name(), "request");
            match admit(ctx.is_connected(), lasting, message) {
                Some(message) => Dispatch::Run(Handling::Request {
                    future: connection.handle(message, ctx),
                }),
                None => Dispatch::Done(Ok(None)),
            }
        }
        Envelope::Info(info) => {
            tracing::trace!("info");
            Dispatch::Run(Handling::Info {
                future: connection.info(info, ctx),
            })
        }
        // Timers and streams of the connection's own: delivered only while
        // still live (not cancelled, not of an old link).
        Envelope::Fed(source, info) => {
            if !ctx.accepts(source) {
                tracing::trace!(
                    ?source,
                    "item of a cancelled timer or detached stream dropped"
                );
                return Dispatch::Done(Ok(None));
            }
            tracing::trace!(?source, "info");
            Dispatch::Run(Handling::Info {
                future: connection.info(info, ctx),
            })
        }
        // Only a wake-up: the loss itself was taken before this envelope
        // (`Context::take_lost`).
        Envelope::Lost => Dispatch::Done(Ok(None)),
        Envelope::Stop(stop) => {
            let (reason, done) = *stop;
            Dispatch::Done(Err(Halt::last(reason, Some(done))))
        }
    }
}

/// The message back if it runs now; otherwise the `WhenDisconnected`
/// policy has refused or held it. By value, so that the loop never
/// borrows the message and keeps it once across the handler's await.
#[inline(always)]
fn admit<C: Connection>(
    connected: bool,
    lasting: &mut Lasting<C>,
    message: C::Message,
) -> Option<C::Message> {
    if connected {
        return Some(message);
    }
    match message.when_disconnected() {
        WhenDisconnected::Run => Some(message),
        WhenDisconnected::Reject => {
            tracing::trace!("request refused: not connected");
            message.refuse(CallError::NotConnected);
            None
        }
        WhenDisconnected::Queue => {
            hold(lasting, message);
            None
        }
    }
}

fn hold<C: Connection>(lasting: &mut Lasting<C>, message: C::Message) {
    let held = lasting.held.get_or_insert_default();
    if held.len() >= lasting.queue_capacity as usize {
        // Callers that gave up free their places first.
        held.retain(|held| !held.is_abandoned());
    }
    if held.len() >= lasting.queue_capacity as usize {
        tracing::debug!("request refused: the queue of held requests is full");
        message.refuse(CallError::Full);
    } else {
        held.push_back(message);
    }
}

/// A connection with a `#[flush]` handler flushes at least this often while
/// its mailbox never runs dry, so that a steady stream of requests cannot
/// hold back what earlier ones buffered.
const FLUSH_AT_LEAST_EVERY: u32 = 128;

/// The loop's timer, set to fire at `deadline`.
fn timer_at(timer: &mut Option<Pin<Box<Sleep>>>, deadline: Instant) -> Pin<&mut Sleep> {
    match timer {
        Some(timer) => {
            if timer.deadline() != deadline {
                timer.as_mut().reset(deadline);
            }
            timer.as_mut()
        }
        None => timer.insert(Box::pin(sleep_until(deadline))).as_mut(),
    }
}

/// A connect or disconnect requested through the context inside `connect`
/// or `disconnect`, whose return value decides.
#[cold]
fn transition_ignored(callback: &str) {
    tracing::warn!(
        callback,
        "a connect or disconnect requested through the context inside `{callback}` is ignored; its return value decides"
    );
}

/// `Normal` and `Shutdown` stops are quiet; every other one is an error.
pub(crate) fn log_stop<C>(reason: &Stop) {
    let connection = std::any::type_name::<C>();
    if reason.is_quiet() {
        tracing::debug!(connection, %reason, "connection stopped");
    } else {
        tracing::error!(connection, %reason, "connection stopped");
    }
}
