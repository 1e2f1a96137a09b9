//! Stopping (§3.7, §6): terminate on every stop but a failed init, the
//! terminate-then-reply order, the last client, `stop` and `stopped`.

use std::time::Duration;

use connection::{CallError, Stop};
use tokio::time::sleep;

use crate::probe::{Action, Log, Probe, barrier, settle, start};

#[tokio::test(start_paused = true)]
async fn a_stop_requested_by_a_call_runs_terminate_before_the_reply_is_sent() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    // terminate yields before logging: had the reply gone first, the caller
    // would resume before "terminate" is in the log.
    let calls = client
        .ask("last", Action::Stop(Stop::Normal))
        .await
        .unwrap();
    assert_eq!(calls, 1);
    assert_eq!(log.entries(), ["init", "call:last", "terminate:normal"]);
    assert!(matches!(client.stopped().await, Stop::Normal));
}

#[tokio::test(start_paused = true)]
async fn dropping_every_client_stops_normally_after_terminate() {
    let log = Log::default();
    let client = start(Probe::new(&log)).await.unwrap();
    let other = client.clone();
    barrier(&client, "up").await.unwrap();
    drop(client);
    settle().await;
    assert!(!log.contains("terminate:normal"), "a clone is still alive");
    drop(other);
    settle().await;
    assert_eq!(log.entries().last().unwrap(), "terminate:normal");
}

#[tokio::test(start_paused = true)]
async fn an_info_sender_does_not_keep_the_connection_alive() {
    let log = Log::default();
    let client = start(Probe::new(&log)).await.unwrap();
    let feeder = client.info_sender();
    feeder.send(Action::Nothing).await.unwrap();
    drop(client);
    settle().await;
    assert_eq!(log.entries().last().unwrap(), "terminate:normal");
    assert!(!feeder.is_alive());
    let error = feeder.send(Action::Nothing).await.unwrap_err();
    assert!(
        matches!(error, CallError::Stopped(Stop::Normal)),
        "{error:?}"
    );
    let error = feeder.try_send(Action::Nothing).unwrap_err();
    assert!(
        matches!(error, CallError::Stopped(Stop::Normal)),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn stop_runs_terminate_then_returns_and_later_requests_get_the_reason() {
    let log = Log::default();
    let client = start(Probe::new(&log)).await.unwrap();
    client.stop(Stop::shutdown("maintenance")).await.unwrap();
    assert_eq!(
        log.entries().last().unwrap(),
        "terminate:shutdown: maintenance"
    );
    assert!(!client.is_alive());
    let expect_reason = |error: CallError| {
        assert!(
            matches!(&error, CallError::Stopped(Stop::Shutdown(Some(why))) if why == "maintenance"),
            "{error:?}"
        );
    };
    expect_reason(barrier(&client, "late").await.unwrap_err());
    expect_reason(client.note("late", Action::Nothing).await.unwrap_err());
    expect_reason(client.try_info(Action::Nothing).unwrap_err());
    expect_reason(client.stop(Stop::Normal).await.unwrap_err());
    assert!(matches!(client.stopped().await, Stop::Shutdown(Some(_))));
}

#[tokio::test(start_paused = true)]
async fn stop_is_handled_after_the_requests_queued_before_it() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client.note("first", Action::Nothing).await.unwrap();
    client.stop(Stop::Normal).await.unwrap();
    assert_eq!(log.entries(), ["init", "cast:first", "terminate:normal"]);
}

#[tokio::test(start_paused = true)]
async fn a_stop_from_a_cast_stops_with_its_reason() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    let io = std::io::Error::other("broken pipe");
    client
        .note("fail", Action::Stop(Stop::error(io)))
        .await
        .unwrap();
    let reason = client.stopped().await;
    assert_eq!(reason.to_string(), "error: broken pipe");
    assert_eq!(
        log.entries().last().unwrap(),
        "terminate:error: broken pipe"
    );
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_terminate_replaces_the_stop_reason() {
    let log = Log::default();
    let mut probe = Probe::new(&log).with_init(connection::Init::Ok);
    probe.terminate_panics = true;
    let client = start(probe).await.unwrap();
    client
        .note("stop", Action::Stop(Stop::Normal))
        .await
        .unwrap();
    let reason = client.stopped().await;
    assert!(
        matches!(&reason, Stop::Panic(m) if m == "terminate panicked"),
        "{reason:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn terminate_runs_once_and_the_task_ends() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client
        .note("stop", Action::Stop(Stop::Normal))
        .await
        .unwrap();
    client.stopped().await;
    sleep(Duration::from_secs(1)).await;
    drop(client);
    settle().await;
    assert_eq!(log.count("terminate:normal"), 1);
}

/// A connection whose callbacks stop it and drop the `ReplyTo` they hold.
struct Quitter;

/// A caller's `ReplyTo`, carried in the disconnect info.
struct Carried(connection::ReplyTo<()>);

#[connection::connection]
impl Quitter {
    #[connect]
    async fn connect(&mut self, _attempt: connection::Attempt<()>) -> connection::Connect {
        connection::Connect::Ok
    }

    /// Drops the `ReplyTo` carried in the info after asking to stop.
    #[disconnect]
    async fn disconnect(
        &mut self,
        carried: Carried,
        ctx: &mut connection::Context<Self>,
    ) -> connection::Disconnect<()> {
        ctx.stop(Stop::shutdown("quit in disconnect"));
        drop(carried.0);
        connection::Disconnect::NoConnect
    }

    /// Asks to stop, then drops its own `ReplyTo` unanswered.
    #[call]
    async fn quit(&mut self, reply: connection::ReplyTo<()>, ctx: &mut connection::Context<Self>) {
        ctx.stop(Stop::shutdown("quit"));
        drop(reply);
    }

    /// Carries its `ReplyTo` into the disconnect.
    #[call]
    async fn hang_up(
        &mut self,
        reply: connection::ReplyTo<()>,
        ctx: &mut connection::Context<Self>,
    ) {
        ctx.disconnect(Carried(reply));
    }

    /// Drops its `ReplyTo` without stopping: no reply.
    #[call]
    async fn ignore(&mut self, reply: connection::ReplyTo<()>) {
        drop(reply);
    }
}

#[tokio::test(start_paused = true)]
async fn a_reply_to_dropped_by_a_callback_that_stops_answers_with_the_stop_reason() {
    let client = Quitter.start().await.unwrap();
    assert!(matches!(client.ignore().await, Err(CallError::NoReply)));
    let quit = client.quit().await;
    assert!(
        matches!(&quit, Err(CallError::Stopped(reason)) if reason.to_string() == "shutdown: quit"),
        "{quit:?}"
    );

    let client = Quitter.start().await.unwrap();
    let hung_up = client.hang_up().await;
    assert!(
        matches!(&hung_up, Err(CallError::Stopped(reason)) if reason.to_string() == "shutdown: quit in disconnect"),
        "{hung_up:?}"
    );
}
