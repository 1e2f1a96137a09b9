//! The idle timeout (§8.4): armed by a callback, disarmed by any event,
//! independent of the backoff timer.

use std::time::Duration;

use connection::Connect;
use tokio::time::sleep;

use crate::probe::{Action, Log, Probe, barrier, start};

#[tokio::test(start_paused = true)]
async fn an_armed_idle_timeout_fires_the_timeout_handler() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client
        .ask("arm", Action::Idle(Duration::from_secs(1)))
        .await
        .unwrap();
    sleep(Duration::from_millis(990)).await;
    assert!(!log.contains("idle"));
    sleep(Duration::from_millis(20)).await;
    assert_eq!(log.entries(), ["init", "call:arm", "idle"]);
    // It fires once; the handler did not arm it again.
    sleep(Duration::from_secs(10)).await;
    assert_eq!(log.count("idle"), 1);
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn any_message_disarms_the_idle_timeout() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client
        .ask("arm", Action::Idle(Duration::from_secs(1)))
        .await
        .unwrap();
    sleep(Duration::from_millis(500)).await;
    client.info(Action::Nothing).await.unwrap();
    sleep(Duration::from_secs(10)).await;
    assert!(!log.contains("idle"), "{:?}", log.entries());
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn a_message_can_arm_it_again() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client
        .ask("arm", Action::Idle(Duration::from_secs(1)))
        .await
        .unwrap();
    sleep(Duration::from_millis(500)).await;
    client
        .ask("rearm", Action::Idle(Duration::from_secs(1)))
        .await
        .unwrap();
    sleep(Duration::from_millis(990)).await;
    assert!(!log.contains("idle"));
    sleep(Duration::from_millis(20)).await;
    assert_eq!(log.count("idle"), 1);
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn the_backoff_firing_disarms_the_idle_timeout() {
    let log = Log::default();
    let mut probe =
        Probe::new(&log).with_connects([Connect::Backoff(Duration::from_millis(500)), Connect::Ok]);
    // The first connect arms a 1 s idle timeout and backs off for 500 ms;
    // the backoff firing is an event, so the timeout never fires.
    probe.connect_idle = Some(Duration::from_secs(1));
    let client = start(probe).await.unwrap();
    sleep(Duration::from_secs(5)).await;
    assert_eq!(log.entries(), ["init", "connect:init", "connect:backoff"]);
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn a_shorter_idle_timeout_fires_first_and_the_backoff_still_fires_later() {
    let log = Log::default();
    let mut probe = Probe::new(&log).with_connects([Connect::Backoff(Duration::from_secs(1))]);
    probe.connect_idle = Some(Duration::from_millis(200));
    let client = start(probe).await.unwrap();
    sleep(Duration::from_millis(210)).await;
    assert_eq!(log.entries(), ["init", "connect:init", "idle"]);
    sleep(Duration::from_secs(1)).await;
    assert_eq!(
        log.entries(),
        ["init", "connect:init", "idle", "connect:backoff"]
    );
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn a_zero_idle_timeout_waits_for_queued_messages() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client
        .note("arm", Action::Idle(Duration::ZERO))
        .await
        .unwrap();
    barrier(&client, "queued").await.unwrap();
    sleep(Duration::from_millis(10)).await;
    // The queued call was an event: it disarmed the zero timeout.
    assert_eq!(log.entries(), ["init", "cast:arm", "call:queued"]);
}

/// A probe started with a standing idle timeout of one second.
async fn with_standing_idle(log: &Log) -> crate::probe::ProbeClient {
    Probe::new(log)
        .with_init(connection::Init::Ok)
        .start_with(connection::Options::default().idle_timeout(Duration::from_secs(1)))
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_standing_idle_timeout_fires_after_every_quiet_second_from_the_start() {
    let log = Log::default();
    let client = with_standing_idle(&log).await;
    sleep(Duration::from_millis(999)).await;
    assert!(!log.contains("idle"), "not before a second");
    sleep(Duration::from_millis(2)).await;
    assert_eq!(log.count("idle"), 1, "{:?}", log.entries());
    // Re-armed after every callback, the timeout handler's own included:
    // a callback that arms nothing does not lose it.
    sleep(Duration::from_millis(3000)).await;
    assert_eq!(log.count("idle"), 4, "{:?}", log.entries());
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn events_push_a_standing_idle_timeout_back() {
    let log = Log::default();
    let client = with_standing_idle(&log).await;
    for _ in 0..5 {
        sleep(Duration::from_millis(600)).await;
        client.info(Action::Nothing).await.unwrap();
    }
    assert!(!log.contains("idle"), "{:?}", log.entries());
    sleep(Duration::from_millis(1001)).await;
    assert_eq!(log.count("idle"), 1, "{:?}", log.entries());
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn a_callback_asking_for_its_own_idle_timeout_replaces_the_standing_one_once() {
    let log = Log::default();
    let client = with_standing_idle(&log).await;
    // Three seconds, this time.
    client
        .ask("long", Action::Idle(Duration::from_secs(3)))
        .await
        .unwrap();
    sleep(Duration::from_millis(2999)).await;
    assert!(!log.contains("idle"), "{:?}", log.entries());
    sleep(Duration::from_millis(2)).await;
    assert_eq!(log.count("idle"), 1, "{:?}", log.entries());
    // None this time: `Duration::MAX` is the original's `:infinity`.
    client
        .ask("none", Action::Idle(Duration::MAX))
        .await
        .unwrap();
    sleep(Duration::from_secs(3600)).await;
    assert_eq!(log.count("idle"), 1, "{:?}", log.entries());
    drop(client);
}
