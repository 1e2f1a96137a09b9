//! The backoff timer (§5): at most one, cancelled by any connect or
//! disconnect, never a stale retry, and a zero delay still queues behind the
//! messages already waiting.

use std::time::Duration;

use connection::{Connect, Disconnect, Init};
use tokio::time::sleep;

use crate::probe::{Action, Log, Probe, barrier, start};

#[tokio::test(start_paused = true)]
async fn a_manual_connect_while_a_backoff_is_pending_means_no_backoff_retry_follows() {
    let log = Log::default();
    let probe = Probe::new(&log).with_connects([Connect::Backoff(Duration::from_secs(1))]);
    let client = start(probe).await.unwrap();
    sleep(Duration::from_millis(500)).await;
    client.ask("now", Action::Connect("manual")).await.unwrap();
    sleep(Duration::from_secs(10)).await;
    barrier(&client, "later").await.unwrap();
    assert_eq!(
        log.entries(),
        [
            "init",
            "connect:init",
            "call:now",
            "connect:manual",
            "call:later"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_disconnect_while_a_backoff_is_pending_cancels_the_retry() {
    let log = Log::default();
    let probe = Probe::new(&log)
        .with_connects([Connect::Backoff(Duration::from_secs(1))])
        .with_disconnects([Disconnect::NoConnect]);
    let client = start(probe).await.unwrap();
    client
        .note("drop", Action::Disconnect("give up"))
        .await
        .unwrap();
    sleep(Duration::from_secs(10)).await;
    assert!(!log.contains("connect:backoff"), "{:?}", log.entries());
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn a_new_backoff_replaces_the_pending_one() {
    let log = Log::default();
    let probe = Probe::new(&log)
        .with_init(Init::Backoff(Duration::from_secs(1)))
        .with_disconnects([Disconnect::Backoff(Duration::from_secs(5))]);
    let client = start(probe).await.unwrap();
    client
        .note("drop", Action::Disconnect("lost"))
        .await
        .unwrap();
    sleep(Duration::from_millis(4_990)).await;
    // The first timer (1 s) was cancelled by the disconnect.
    assert!(!log.contains("connect:backoff"), "{:?}", log.entries());
    sleep(Duration::from_millis(20)).await;
    assert_eq!(log.count("connect:backoff"), 1);
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn a_zero_backoff_runs_after_the_messages_already_queued() {
    let log = Log::default();
    let probe = Probe::new(&log)
        .with_init(Init::Ok)
        .with_connects([Connect::Backoff(Duration::ZERO)]);
    let client = start(probe).await.unwrap();
    // All three are queued before the connection runs: the connect asked
    // for by the first backs off with zero delay, and its retry still comes
    // after the two messages that were waiting.
    client.note("a", Action::Connect("asked")).await.unwrap();
    client.note("b", Action::Nothing).await.unwrap();
    barrier(&client, "c").await.unwrap();
    barrier(&client, "d").await.unwrap();
    assert_eq!(
        log.entries(),
        [
            "init",
            "cast:a",
            "connect:asked",
            "cast:b",
            "call:c",
            "connect:backoff",
            "call:d"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_backoff_that_fired_but_waits_behind_a_connect_request_never_runs() {
    let log = Log::default();
    let probe = Probe::new(&log)
        .with_init(Init::Ok)
        .with_connects([Connect::Backoff(Duration::ZERO)]);
    let client = start(probe).await.unwrap();
    // The zero backoff fires while "b" and "c" wait; "b" connects, which
    // must cancel the retry that is already due.
    client.note("a", Action::Connect("first")).await.unwrap();
    client.note("b", Action::Connect("second")).await.unwrap();
    barrier(&client, "c").await.unwrap();
    sleep(Duration::from_secs(1)).await;
    barrier(&client, "d").await.unwrap();
    assert_eq!(
        log.entries(),
        [
            "init",
            "cast:a",
            "connect:first",
            "cast:b",
            "connect:second",
            "call:c",
            "call:d"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_zero_backoff_is_not_starved_by_a_steady_stream_of_messages() {
    let log = Log::default();
    let probe = Probe::new(&log)
        .with_init(Init::Ok)
        .with_connects([Connect::Backoff(Duration::ZERO)]);
    let client = start(probe).await.unwrap();
    client.note("a", Action::Connect("asked")).await.unwrap();
    // Keep the mailbox busy: the retry still runs once the messages that
    // were queued when it fired are handled.
    for _ in 0..20 {
        client.note("busy", Action::Nothing).await.unwrap();
        tokio::task::yield_now().await;
    }
    barrier(&client, "end").await.unwrap();
    let entries = log.entries();
    let retry = entries.iter().position(|e| e == "connect:backoff").unwrap();
    assert!(retry < entries.len() - 1, "{entries:?}");
}

#[tokio::test(start_paused = true)]
async fn a_due_backoff_is_not_starved_by_a_mailbox_that_never_empties() {
    let log = Log::default();
    let probe = Probe::new(&log)
        .with_init(Init::Ok)
        .with_connects([Connect::Backoff(Duration::ZERO)]);
    let client = start(probe).await.unwrap();
    client.note("a", Action::Connect("asked")).await.unwrap();
    // Each link of the chain queues the next before it is handled.
    client.note("chain", Action::Chain(200)).await.unwrap();
    barrier(&client, "end").await.unwrap();
    sleep(Duration::from_millis(1)).await;
    let entries = log.entries();
    let retry = entries.iter().position(|e| e == "connect:backoff").unwrap();
    let chain = entries.iter().position(|e| e == "cast:chain").unwrap();
    // Due at once, it waits only for what was queued then: the chain's
    // first cast and the barrier.
    assert!(
        retry <= chain + 3,
        "retry at {retry}, chain from {chain}: {entries:?}"
    );
    assert_eq!(log.count("info:Chain(0)"), 1, "the chain ran to its end");
}
