//! Calls and their replies (§3.4, §8.1, §8.2): deferred replies, dropped
//! replies, timeouts, panics, full mailboxes.

use std::num::NonZeroUsize;
use std::time::Duration;

use connection::{CallError, Options, Stop};
use tokio::time::sleep;

use crate::probe::{Action, Log, Probe, ProbeClient, barrier, busy_for, generic, settle, start};

#[tokio::test(start_paused = true)]
async fn a_call_returns_the_handlers_return_value() {
    let log = Log::default();
    let client = start(Probe::new(&log)).await.unwrap();
    assert_eq!(barrier(&client, "one").await.unwrap(), 1);
    assert_eq!(barrier(&client, "two").await.unwrap(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_deferred_reply_answers_the_caller_when_sent_later() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.defer().await }
    });
    settle().await;
    assert!(!waiting.is_finished());
    client.release(42).await.unwrap();
    assert_eq!(waiting.await.unwrap().unwrap(), 42);
}

#[tokio::test(start_paused = true)]
async fn a_reply_to_dropped_unused_gives_no_reply_at_once() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    let error = client.forget().await.unwrap_err();
    assert!(matches!(error, CallError::NoReply), "{error:?}");
    // The connection lives on.
    assert_eq!(barrier(&client, "after").await.unwrap(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_reply_to_can_travel_in_the_disconnect_info() {
    let log = Log::default();
    let client = start(Probe::new(&log)).await.unwrap();
    assert_eq!(client.close().await.unwrap(), "closed");
    assert_eq!(
        log.entries(),
        ["init", "connect:init", "close", "disconnect:reply"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_call_times_out_and_its_late_reply_is_dropped_harmlessly() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    let impatient = client.with_timeout(Duration::from_secs(1));
    assert_eq!(impatient.timeout(), Some(Duration::from_secs(1)));
    let error = impatient
        .ask("slow", Action::Sleep(Duration::from_secs(3)))
        .await
        .unwrap_err();
    assert!(matches!(error, CallError::Timeout), "{error:?}");
    // The handler finishes later; its reply goes nowhere and the connection
    // keeps serving.
    assert_eq!(barrier(&client, "after").await.unwrap(), 2);
    assert!(client.is_alive());
}

#[tokio::test(start_paused = true)]
async fn the_default_call_timeout_is_five_seconds() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    assert_eq!(client.timeout(), Some(Duration::from_secs(5)));
    let started = tokio::time::Instant::now();
    let error = client
        .ask("slow", Action::Sleep(Duration::from_secs(60)))
        .await
        .unwrap_err();
    assert!(matches!(error, CallError::Timeout), "{error:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_panicking_handler_stops_the_connection_and_its_caller_gets_an_error() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    let error = client.ask("boom", Action::Panic).await.unwrap_err();
    assert!(
        matches!(&error, CallError::Stopped(Stop::Panic(m)) if m == "probe panicked on request"),
        "{error:?}"
    );
    assert_eq!(
        log.entries(),
        [
            "init",
            "call:boom",
            "terminate:panic: probe panicked on request"
        ]
    );
    assert!(!client.is_alive());
}

#[tokio::test(start_paused = true)]
async fn callers_queued_behind_a_panic_get_the_stop_reason() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client.note("boom", Action::Panic).await.unwrap();
    let error = barrier(&client, "queued").await.unwrap_err();
    assert!(
        matches!(error, CallError::Stopped(Stop::Panic(_))),
        "{error:?}"
    );
    assert!(!log.contains("call:queued"));
}

#[tokio::test(start_paused = true)]
async fn a_deferred_reply_held_in_state_reports_the_stop_when_the_connection_stops() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.defer().await }
    });
    settle().await;
    client.stop(Stop::shutdown("bye")).await.unwrap();
    let error = waiting.await.unwrap().unwrap_err();
    assert!(
        matches!(&error, CallError::Stopped(Stop::Shutdown(Some(why))) if why == "bye"),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn try_cast_reports_a_full_mailbox() {
    let log = Log::default();
    let client = one_slot(&log, Options::DEFAULT_CALL_TIMEOUT).await;
    // Keep the connection busy in a handler, then fill the one slot.
    client
        .note("busy", Action::Sleep(Duration::ZERO))
        .await
        .unwrap();
    settle().await;
    let busy = busy_for(&client, "slow", Duration::from_secs(1));
    settle().await;
    client.try_info(Action::Nothing).unwrap();
    let error = client.try_info(Action::Nothing).unwrap_err();
    assert!(matches!(error, CallError::Full), "{error:?}");
    busy.await.unwrap().unwrap();
    let raw = generic(&client);
    assert!(raw.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_cast_to_a_full_mailbox_times_out() {
    let log = Log::default();
    let client = one_slot(&log, Duration::from_secs(1)).await;
    let busy = busy_for(&client, "slow", Duration::from_secs(10));
    settle().await;
    client.note("fills", Action::Nothing).await.unwrap();
    let error = client.note("waits", Action::Nothing).await.unwrap_err();
    assert!(matches!(error, CallError::Timeout), "{error:?}");
    sleep(Duration::from_secs(10)).await;
    drop(busy);
}

#[tokio::test(start_paused = true)]
async fn without_timeout_a_call_waits_as_long_as_it_takes() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await.without_timeout();
    assert_eq!(client.timeout(), None);
    let started = tokio::time::Instant::now();
    let calls = client
        .ask("slow", Action::Sleep(Duration::from_secs(60)))
        .await
        .unwrap();
    assert_eq!(calls, 1);
    assert_eq!(started.elapsed(), Duration::from_secs(60));
    // A dropped reply still answers at once.
    assert!(matches!(client.forget().await, Err(CallError::NoReply)));
}

#[tokio::test(start_paused = true)]
async fn a_call_to_a_full_mailbox_waits_for_room_within_its_timeout() {
    let log = Log::default();
    let client = one_slot(&log, Duration::from_secs(2)).await;
    // One handler busy for 1 s, one message filling the only slot.
    let busy = busy_for(&client, "slow", Duration::from_secs(1));
    settle().await;
    client.note("fills", Action::Nothing).await.unwrap();
    // Room comes after 1 s: the call waits for it, then gets its answer.
    assert_eq!(barrier(&client, "waits").await.unwrap(), 2);
    busy.await.unwrap().unwrap();

    // Busy for longer than the call's timeout: the call gives up on time.
    let busy = busy_for(&client, "slower", Duration::from_secs(10));
    settle().await;
    client.note("fills again", Action::Nothing).await.unwrap();
    let started = tokio::time::Instant::now();
    let error = barrier(&client, "gives up").await.unwrap_err();
    assert!(matches!(error, CallError::Timeout), "{error:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    drop(busy);
}

/// A probe whose mailbox holds one message, its calls bounded by `timeout`.
async fn one_slot(log: &Log, timeout: Duration) -> ProbeClient {
    let options = Options::default()
        .mailbox_capacity(NonZeroUsize::new(1).unwrap())
        .call_timeout(timeout);
    Probe::new(log)
        .with_init(connection::Init::Ok)
        .start_with(options)
        .await
        .unwrap()
}
