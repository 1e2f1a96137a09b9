//! The connection's task: its incarnations (one, or more when supervised:
//! each restart builds a new state and runs its `init` on the same
//! mailbox), then the final stop, which answers every request still queued.

use std::future::Future;

use crate::connection::Connection;
use crate::context::Context;
use crate::deadline::{Elapsed, NEVER, Timeout, within};
use crate::error::Stop;
use crate::lasting::Lasting;
use crate::outcome::Init;
use crate::reply::dropping_as_stopped;
use crate::restart::Restarter;
use crate::shutdown::{Interrupted, bounded};
use crate::state_machine::{Ended, incarnation, log_stop};
use crate::status::{Status, StopOnDrop};
use crate::types::ConnectionTypes;

/// The task body: incarnations of the connection until one ends for good
/// (or, unsupervised, the first ends), then the final stop. `init` is what
/// the first incarnation's `init` returned: `start` runs it.
///
/// A plain function returning an `async move` block, here and in
/// [`incarnation`]: an `async fn` would keep each argument twice in its
/// future (the argument and the local it is moved into), and this future is
/// most of an idle connection's memory.
#[allow(
    clippy::manual_async_fn,
    reason = "an `async fn` keeps its arguments twice"
)]
#[allow(
    clippy::replace_box,
    reason = "`first` is moved out and freed before each incarnation: no box to reuse"
)]
pub(crate) fn run<C: Connection>(
    mut lasting: Lasting<C>,
    mut first: Box<First<C>>,
    mut restarter: Option<Box<Restarter<C>>>,
) -> impl Future<Output = ()> + Send {
    async move {
        // Waiters are told even if this task is dropped before it stops.
        let _stop_on_drop = StopOnDrop(lasting.status.clone());
        // Boxed, and unpacked only in the block that starts an incarnation,
        // so that the state is not kept a second time beside the running
        // incarnation's.
        let (reason, done) = 'run: loop {
            let reason = 'incarnation: {
                let incarnation = {
                    // Moved out of the box and the box freed now: the box
                    // is kept in the future, its allocation must not be.
                    let (connection, init, ctx) = {
                        let first = first;
                        *first
                    };
                    if let Init::Stop(reason) = init {
                        init_failed(connection, ctx, &reason);
                        lasting.status.publish_end(&reason);
                        break 'incarnation reason;
                    }
                    incarnation(connection, init, ctx, &mut lasting)
                };
                match incarnation.await {
                    Ended::Last(reason, done) => break 'run (reason, done),
                    Ended::Stopped(reason) => reason,
                }
            };
            let Some(restarter) = restarter.as_deref_mut() else {
                break (reason, None);
            };
            // Boxed: a restart is rare, and its wait would otherwise be part
            // of every connection's memory.
            match Box::pin(restart(restarter, reason, &mut lasting)).await {
                Ok(next) => first = next,
                Err(reason) => break (reason, None),
            }
        };
        // Boxed: it runs once, at the end, and would otherwise be part of
        // every connection's memory.
        Box::pin(finish(lasting, &reason)).await;
        if let Some(done) = done {
            let _ = done.send(());
        }
    }
}

/// The restart after an incarnation stopped with `reason`: the wait, then
/// the new connection and what its `init` returned; or the reason back when
/// the policy allows no restart, or every client left during the wait.
async fn restart<C: Connection>(
    restarter: &mut Restarter<C>,
    reason: Stop,
    lasting: &mut Lasting<C>,
) -> Result<Box<First<C>>, Stop> {
    // A wait of `NEVER` or more is no restart: waiting for ever would only
    // keep the task alive.
    let Some(delay) = restarter.next_delay(&reason).filter(|delay| *delay < NEVER) else {
        return Err(reason);
    };
    tracing::warn!(%reason, delay_ms = delay.as_millis(), "restart");
    tokio::time::sleep(delay).await;
    let inbox = &lasting.inbox;
    if inbox.is_closed() && inbox.is_empty() && lasting.batch.is_empty() {
        // Every client left during the wait: nobody to restart for.
        return Err(reason);
    }
    drop(reason);
    let mut connection = restarter.build();
    let mut ctx = lasting.context();
    // A timeout is an incarnation that stopped.
    let init = run_init(
        &mut connection,
        &mut ctx,
        &lasting.status,
        restarter.init_timeout(),
    )
    .await
    .unwrap_or_else(|InitTimedOut| Init::Stop(Stop::error(InitTimedOut)));
    Ok(Box::new((connection, init, ctx)))
}

/// Runs `connection`'s `init` (the first, from `start`, or a restart's),
/// for at most `timeout`, and what it comes to ([`init_outcome`]).
pub(crate) async fn run_init<C: Connection>(
    connection: &mut C,
    ctx: &mut Context<C>,
    status: &Status,
    timeout: Timeout,
) -> Result<Init<C::ConnectInfo>, InitTimedOut> {
    match within(timeout, bounded(status, connection.init(ctx))).await {
        Ok(outcome) => Ok(init_outcome(outcome, ctx, status)),
        Err(Elapsed) => Err(InitTimedOut),
    }
}

/// A connection, what its `init` returned, and the context `init` had: the
/// start of an incarnation.
pub(crate) type First<C> = (C, Init<<C as ConnectionTypes>::ConnectInfo>, Context<C>);

/// `init` did not return within `Options::init_timeout`.
#[derive(Debug)]
pub(crate) struct InitTimedOut;

impl std::fmt::Display for InitTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("init did not return within the init timeout")
    }
}

impl std::error::Error for InitTimedOut {}

/// What `init` comes to: a panic in it, a stop asked for through its
/// context, or a cancel past the shutdown timeout (a supervised restart's
/// `init` while a client stops the connection) is a stop; a connect or
/// disconnect asked for through its context is ignored (its return value
/// decides, as for `connect`).
fn init_outcome<C: Connection>(
    outcome: Result<Init<C::ConnectInfo>, Interrupted>,
    ctx: &mut Context<C>,
    status: &Status,
) -> Init<C::ConnectInfo> {
    if ctx.take_transition().is_some() {
        tracing::warn!(
            "a connect or disconnect requested through the context inside `init` is ignored; its return value decides"
        );
    }
    match (outcome, ctx.take_stop()) {
        (Err(Interrupted::Panic(panic)), _) => Init::Stop(Stop::Panic(*panic)),
        (Err(Interrupted::Shutdown), _) => Init::Stop(status.shutdown_reason()),
        (Ok(_), Some(stop)) => Init::Stop(stop.reason),
        (Ok(init), None) => init,
    }
}

/// `init` stopped: `terminate` does not run, what its context started ends,
/// and the state is dropped (its `ReplyTo`s answering with the reason).
pub(crate) fn init_failed<C: Connection>(connection: C, mut ctx: Context<C>, reason: &Stop) {
    log_stop::<C>(reason);
    ctx.end_feeds();
    dropping_as_stopped(reason, || drop((connection, ctx)));
}

/// The connection is over: the reason is published before the mailbox
/// closes (so a sender that finds it closed can always read why), then every
/// request still waiting is dropped, its caller told the reason.
async fn finish<C: Connection>(lasting: Lasting<C>, reason: &Stop) {
    let Lasting {
        mut inbox,
        status,
        held,
        batch,
        ..
    } = lasting;
    status.publish_stop(reason);
    // `recv` until `None` after `close`, as tokio documents: it also waits
    // for senders that reserved space before the close, so no request can
    // land in the mailbox after the last look and wait there unanswered.
    inbox.close();
    while let Some(envelope) = inbox.recv().await {
        dropping_as_stopped(reason, || drop(envelope));
    }
    dropping_as_stopped(reason, || drop((batch, held)));
}
