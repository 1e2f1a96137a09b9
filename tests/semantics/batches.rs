//! The mailbox is drained in batches (several envelopes taken at once, to
//! release their slots under one lock). Nothing of the original's ordering
//! may change: these tests queue many requests before the connection runs,
//! so that they are taken together.

use std::num::NonZeroUsize;
use std::time::Duration;

use connection::{Backoff, CallError, Init, Options, Restart, RestartPolicy, Stop, supervise};
use tokio::time::sleep;

use crate::probe::{Action, Log, Probe, barrier, busy_for, settle};

fn with_mailbox(capacity: usize) -> Options {
    Options::default().mailbox_capacity(NonZeroUsize::new(capacity).unwrap())
}

#[tokio::test(start_paused = true)]
async fn requests_taken_in_batches_are_handled_in_arrival_order() {
    let log = Log::default();
    let client = Probe::new(&log).with_init(Init::Ok).start().await.unwrap();
    // 100 casts wait in the mailbox before the connection runs: taken 32
    // at a time, they must still run first to last.
    let tags: Vec<&'static str> = (0..100)
        .map(|i| &*Box::leak(format!("{i}").into_boxed_str()))
        .collect();
    for tag in &tags {
        // Room in the mailbox: a cast returns without yielding.
        client.note(tag, Action::Nothing).await.unwrap();
    }
    barrier(&client, "end").await.unwrap();
    let expected: Vec<String> = std::iter::once("init".to_owned())
        .chain(tags.iter().map(|tag| format!("cast:{tag}")))
        .chain(std::iter::once("call:end".to_owned()))
        .collect();
    assert_eq!(log.entries(), expected);
}

#[tokio::test(start_paused = true)]
async fn requests_taken_with_a_stop_are_answered_with_its_reason() {
    let log = Log::default();
    let client = Probe::new(&log).with_init(Init::Ok).start().await.unwrap();
    // Queued in this order before the connection runs, so all three are
    // taken in one batch.
    let before = tokio::spawn({
        let client = client.clone();
        async move { client.ask("before", Action::Nothing).await }
    });
    let stop = tokio::spawn({
        let client = client.clone();
        async move { client.stop(Stop::shutdown("batch")).await }
    });
    let after = tokio::spawn({
        let client = client.clone();
        async move { client.ask("after", Action::Nothing).await }
    });
    assert!(before.await.unwrap().is_ok());
    stop.await.unwrap().unwrap();
    let error = after.await.unwrap().unwrap_err();
    assert!(
        matches!(&error, CallError::Stopped(Stop::Shutdown(Some(why))) if why == "batch"),
        "{error:?}"
    );
    assert!(!log.contains("call:after"), "{:?}", log.entries());
}

#[tokio::test(start_paused = true)]
async fn requests_taken_with_a_crash_are_handled_by_the_next_incarnation() {
    let log = Log::default();
    let factory = {
        let log = log.clone();
        move || Probe::new(&log).with_init(Init::Ok)
    };
    let policy = RestartPolicy::new(Restart::Transient)
        .backoff(|| Backoff::exp(Duration::ZERO, Duration::ZERO).unwrap());
    let client = supervise(factory, policy, Options::default())
        .await
        .unwrap();
    client.note("crash", Action::Panic).await.unwrap();
    client.note("behind", Action::Nothing).await.unwrap();
    barrier(&client, "end").await.unwrap();
    let entries = log.entries();
    let crash = entries.iter().position(|e| e == "cast:crash").unwrap();
    let behind = entries.iter().position(|e| e == "cast:behind").unwrap();
    // The second incarnation's `init` runs between the crash and the
    // requests that were taken with it.
    assert!(
        entries[crash..behind]
            .iter()
            .filter(|e| *e == "init")
            .count()
            == 1,
        "{entries:?}"
    );
    assert_eq!(entries.last().unwrap(), "call:end");
}

/// Queues a busy call and an info while the connection is in another
/// handler; returns, once the connection is in the busy call's handler, how
/// many more infos the mailbox took before it was full.
async fn room_while_busy(capacity: usize) -> usize {
    let log = Log::default();
    let probe = Probe::new(&log).with_init(Init::Ok);
    let client = probe.start_with(with_mailbox(capacity)).await.unwrap();
    let _first = busy_for(&client, "first", Duration::from_secs(1));
    settle().await;
    let _busy = busy_for(&client, "busy", Duration::from_secs(1));
    settle().await;
    client.try_info(Action::Nothing).unwrap();
    // The first call ends: the loop finds the busy call and the info
    // waiting, and takes one or both.
    sleep(Duration::from_secs(1)).await;
    settle().await;
    assert_eq!(log.entries(), ["init", "call:first", "call:busy"]);
    let mut room = 0;
    while client.try_info(Action::Nothing).is_ok() {
        room += 1;
    }
    room
}

#[tokio::test(start_paused = true)]
async fn a_mailbox_below_16_slots_is_drained_one_request_at_a_time() {
    // The info queued behind the busy call still holds its slot.
    assert_eq!(room_while_busy(15).await, 14);
}

#[tokio::test(start_paused = true)]
async fn a_batch_takes_at_most_an_eighth_of_the_capacity_ahead() {
    // 16 slots: batches of 2, so the info behind the busy call was taken
    // with it and freed its slot.
    assert_eq!(room_while_busy(16).await, 16);
    // 1024 slots: batches of 32; both were taken.
    assert_eq!(room_while_busy(1024).await, 1024);
}

#[tokio::test(start_paused = true)]
async fn a_client_sees_how_many_requests_wait_in_the_mailbox() {
    let log = Log::default();
    let client = Probe::new(&log).with_init(Init::Ok).start().await.unwrap();
    let mailbox: &connection::Client<Probe> = client.as_ref();
    assert_eq!(mailbox.queued(), 0);
    // Sent before the connection runs: all of them wait.
    for tag in ["a", "b", "c"] {
        client.note(tag, Action::Nothing).await.unwrap();
    }
    assert_eq!(mailbox.queued(), 3);
    barrier(&client, "end").await.unwrap();
    assert_eq!(mailbox.queued(), 0);
    assert_eq!(
        log.entries(),
        ["init", "cast:a", "cast:b", "cast:c", "call:end"]
    );
}
