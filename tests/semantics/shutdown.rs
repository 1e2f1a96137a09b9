//! The shutdown timeout (`Options::shutdown_timeout`, OTP's shutdown): once
//! a stop is asked for from outside (a client's `stop`, the last client
//! gone), a callback that holds it up is cancelled after the timeout,
//! `terminate` runs on the state as it was left, and the connection ends.
//! Without a stop asked for, slow callbacks are left alone.

use std::sync::Arc;
use std::time::Duration;

use connection::{CallError, Init, Options, Stop};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::probe::{Action, Log, Probe, ProbeClient, settle};

const HOUR: Duration = Duration::from_secs(3600);

/// `future`, which must be done within an hour of the paused clock: a stop
/// that is not bounded fails the test instead of hanging it.
async fn within_an_hour<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(HOUR, future)
        .await
        .expect("not done within an hour: the stop was not bounded")
}

/// A probe whose first connect waits for a gate that never opens (with no
/// connect timeout to cancel it: only a stop's shutdown timeout does here).
async fn stuck_in_connect(log: &Log, options: Options) -> ProbeClient {
    let mut probe = Probe::new(log);
    probe.connect_gate = Some(Arc::new(Notify::new()));
    let options = options.connect_timeout(Duration::MAX);
    let client = probe.start_with(options).await.unwrap();
    settle().await;
    assert_eq!(log.entries(), ["init", "connect:init"]);
    client
}

#[tokio::test(start_paused = true)]
async fn a_stop_cancels_a_hung_connect_after_the_shutdown_timeout() {
    let log = Log::default();
    let client = stuck_in_connect(&log, Options::default()).await;
    let asked = Instant::now();
    within_an_hour(client.without_timeout().stop(Stop::shutdown("going")))
        .await
        .unwrap();
    assert_eq!(asked.elapsed(), Options::DEFAULT_SHUTDOWN_TIMEOUT);
    assert_eq!(
        log.entries(),
        ["init", "connect:init", "terminate:shutdown: going"],
        "terminate runs; the connect never finished"
    );
    assert_eq!(client.stopped().await.to_string(), "shutdown: going");
}

#[tokio::test(start_paused = true)]
async fn the_last_client_gone_cancels_a_hung_connect_after_the_timeout() {
    let log = Log::default();
    let options = Options::default().shutdown_timeout(Duration::from_secs(2));
    let client = stuck_in_connect(&log, options).await;
    let info = client.info_sender();
    drop(client);
    tokio::time::sleep(Duration::from_millis(1999)).await;
    assert!(info.is_alive(), "not before the timeout");
    assert!(!log.contains("terminate:normal"));
    tokio::time::sleep(Duration::from_millis(1)).await;
    settle().await;
    assert!(!info.is_alive(), "ended at the timeout");
    assert!(log.contains("terminate:normal"), "{:?}", log.entries());
}

#[tokio::test(start_paused = true)]
async fn callers_waiting_behind_a_cancelled_handler_get_the_stop_reason() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    let options_timeout = Options::DEFAULT_SHUTDOWN_TIMEOUT;
    let stuck = {
        let client = client.without_timeout();
        tokio::spawn(async move { client.ask("stuck", Action::Sleep(HOUR)).await })
    };
    settle().await;
    let behind = {
        let client = client.without_timeout();
        tokio::spawn(async move { client.ask("behind", Action::Nothing).await })
    };
    settle().await;
    let asked = Instant::now();
    within_an_hour(client.without_timeout().stop(Stop::shutdown("enough")))
        .await
        .unwrap();
    assert_eq!(asked.elapsed(), options_timeout);
    for caller in [stuck, behind] {
        let outcome = caller.await.unwrap();
        assert!(
            matches!(&outcome, Err(CallError::Stopped(reason)) if reason.to_string() == "shutdown: enough"),
            "{outcome:?}"
        );
    }
    assert!(!log.contains("call:behind"), "{:?}", log.entries());
    assert!(log.contains("terminate:shutdown: enough"));
}

#[tokio::test(start_paused = true)]
async fn without_a_stop_asked_for_a_slow_callback_is_left_alone() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    let answer = client
        .without_timeout()
        .ask("slow", Action::Sleep(HOUR))
        .await;
    assert_eq!(answer.unwrap(), 1);
    assert!(client.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_stop_that_times_out_for_its_caller_is_still_seen_through() {
    let log = Log::default();
    let client = stuck_in_connect(&log, Options::default()).await;
    let asked = Instant::now();
    let outcome = client
        .with_timeout(Duration::from_secs(1))
        .stop(Stop::Normal)
        .await;
    assert!(matches!(outcome, Err(CallError::Timeout)), "{outcome:?}");
    assert_eq!(within_an_hour(client.stopped()).await.to_string(), "normal");
    assert_eq!(asked.elapsed(), Options::DEFAULT_SHUTDOWN_TIMEOUT);
    assert!(log.contains("terminate:normal"));
}

#[tokio::test(start_paused = true)]
async fn a_hung_terminate_is_cancelled_after_the_timeout_and_the_task_ends() {
    let log = Log::default();
    let mut probe = Probe::new(&log).with_init(Init::Ok);
    probe.terminate_hangs = true;
    let client = probe.start().await.unwrap();
    let asked = Instant::now();
    within_an_hour(client.without_timeout().stop(Stop::Normal))
        .await
        .unwrap();
    assert_eq!(asked.elapsed(), Options::DEFAULT_SHUTDOWN_TIMEOUT);
    assert!(log.contains("terminate:normal"));
    assert!(!client.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_timeout_of_duration_max_waits_as_long_as_it_takes() {
    let log = Log::default();
    let options = Options::default().shutdown_timeout(Duration::MAX);
    let client = stuck_in_connect(&log, options).await;
    let stop = {
        let client = client.without_timeout();
        tokio::spawn(async move { client.stop(Stop::Normal).await })
    };
    tokio::time::sleep(HOUR * 24 * 365).await;
    assert!(!stop.is_finished());
    assert!(client.is_alive());
    assert!(!log.contains("terminate:normal"));
}

/// Reaches itself from `init`, through a client it makes and drops there,
/// before `start` has returned the first one.
struct ReachesItselfInInit;

#[connection::connection]
impl ReachesItselfInInit {
    #[init]
    async fn init(&mut self, ctx: &mut connection::Context<Self>) -> Init<()> {
        let me = ctx.weak_client().upgrade().expect("the mailbox is open");
        drop(me);
        Init::Connect(())
    }

    #[connect]
    async fn connect(&mut self, _attempt: connection::Attempt<()>) -> connection::Connect {
        connection::Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _info: ()) -> connection::Disconnect<()> {
        connection::Disconnect::NoConnect
    }

    /// Answers after `after`.
    #[call]
    async fn slow(&mut self, after: Duration) -> &'static str {
        tokio::time::sleep(after).await;
        "done"
    }
}

#[tokio::test(start_paused = true)]
async fn a_client_made_and_dropped_in_init_is_not_the_last_client_gone() {
    let options = Options::default().shutdown_timeout(Duration::from_secs(1));
    let client = ReachesItselfInInit.start_with(options).await.unwrap();
    // No stop was asked for: a callback slower than the shutdown timeout is
    // left alone.
    let answer = within_an_hour(client.without_timeout().slow(Duration::from_secs(10))).await;
    assert_eq!(answer.unwrap(), "done");
    assert!(client.is_alive());
}
