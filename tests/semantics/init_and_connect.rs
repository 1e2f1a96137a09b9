//! `init` results (§3.1) and `connect` results (§3.2).

use std::sync::Arc;
use std::time::Duration;

use connection::{Connect, Init, Options, StartError, Stop};
use tokio::sync::Notify;
use tokio::time::sleep;

use crate::probe::{Log, Probe, barrier, settle, start};

#[tokio::test(start_paused = true)]
async fn init_ok_enters_the_loop_without_connecting() {
    let log = Log::default();
    let client = start(Probe::new(&log).with_init(Init::Ok)).await.unwrap();
    barrier(&client, "after").await.unwrap();
    assert_eq!(log.entries(), ["init", "call:after"]);
}

#[tokio::test(start_paused = true)]
async fn init_connect_returns_from_start_before_connect_runs_to_completion() {
    let log = Log::default();
    let gate = Arc::new(Notify::new());
    let mut probe = Probe::new(&log);
    probe.connect_gate = Some(gate.clone());
    // `start` returns although `connect` is still waiting at its gate.
    let client = start(probe).await.unwrap();
    settle().await;
    assert_eq!(log.entries(), ["init", "connect:init"]);
    gate.notify_one();
    barrier(&client, "first").await.unwrap();
    assert_eq!(
        log.entries(),
        ["init", "connect:init", "connect:done", "call:first"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_call_sent_right_after_start_is_handled_after_the_first_connect() {
    let log = Log::default();
    let client = start(Probe::new(&log)).await.unwrap();
    // Sent before the connection task has had a chance to run at all.
    barrier(&client, "first").await.unwrap();
    assert_eq!(log.entries(), ["init", "connect:init", "call:first"]);
}

#[tokio::test(start_paused = true)]
async fn without_an_init_handler_connect_runs_with_the_default_info() {
    use connection::{Attempt, Disconnect, connection};
    use std::sync::Mutex;

    struct Plain {
        seen: Arc<Mutex<Vec<Option<u8>>>>,
    }

    #[connection]
    impl Plain {
        #[connect]
        async fn connect(&mut self, attempt: Attempt<u8>) -> Connect {
            self.seen.lock().unwrap().push(attempt.into_info());
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _why: ()) -> Disconnect<u8> {
            Disconnect::NoConnect
        }

        #[call]
        async fn ping(&mut self) {}
    }

    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = Plain { seen: seen.clone() }.start().await.unwrap();
    client.ping().await.unwrap();
    assert_eq!(*seen.lock().unwrap(), [Some(0)]);
}

#[tokio::test(start_paused = true)]
async fn init_runs_on_the_task_that_calls_start_and_the_rest_on_the_connection_task() {
    use connection::{Attempt, Disconnect, connection};
    use tokio::task::{Id, try_id};

    #[derive(Default)]
    struct Where {
        init: Option<Id>,
        connect: Option<Id>,
    }

    #[connection]
    impl Where {
        #[init]
        async fn init(&mut self) -> Init<()> {
            self.init = try_id();
            Init::Connect(())
        }

        #[connect]
        async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
            self.connect = try_id();
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
            Disconnect::NoConnect
        }

        #[call]
        async fn ids(&mut self) -> (Option<Id>, Option<Id>) {
            (self.init, self.connect)
        }
    }

    // `start` is called from a task of its own, so the caller has an id.
    let caller = tokio::spawn(async {
        let client = Where::default().start().await.unwrap();
        (try_id(), client.ids().await.unwrap())
    });
    let (caller, (init, connect)) = caller.await.unwrap();
    assert_eq!(init, caller, "no round trip to the new task for `init`");
    assert!(connect.is_some());
    assert_ne!(connect, caller);
}

#[tokio::test(start_paused = true)]
async fn init_backoff_runs_a_backoff_connect_after_the_delay() {
    let log = Log::default();
    let probe = Probe::new(&log).with_init(Init::Backoff(Duration::from_millis(100)));
    let client = start(probe).await.unwrap();
    sleep(Duration::from_millis(99)).await;
    assert_eq!(log.entries(), ["init"]);
    sleep(Duration::from_millis(2)).await;
    assert_eq!(log.entries(), ["init", "connect:backoff"]);
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn init_stop_fails_start_and_skips_terminate() {
    let log = Log::default();
    let probe = Probe::new(&log).with_init(Init::Stop(Stop::shutdown("not today")));
    let error = start(probe).await.unwrap_err();
    assert!(
        matches!(&error, StartError::Stopped(Stop::Shutdown(Some(why))) if why == "not today"),
        "{error:?}"
    );
    settle().await;
    assert_eq!(log.entries(), ["init"]);
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_init_fails_start_with_the_panic_message() {
    let log = Log::default();
    let mut probe = Probe::new(&log);
    probe.init_panics = true;
    let error = start(probe).await.unwrap_err();
    assert!(
        matches!(&error, StartError::Stopped(Stop::Panic(message)) if message == "init panicked"),
        "{error:?}"
    );
    settle().await;
    assert_eq!(log.entries(), ["init"]);
}

#[tokio::test(start_paused = true)]
async fn init_that_outlives_the_init_timeout_fails_start_and_is_dropped() {
    let log = Log::default();
    let mut probe = Probe::new(&log);
    probe.init_delay = Some(Duration::from_secs(10));
    let options = Options::default().init_timeout(Duration::from_secs(1));
    let error = probe.start_with(options).await.unwrap_err();
    assert!(matches!(error, StartError::Timeout), "{error:?}");
    sleep(Duration::from_secs(20)).await;
    // Dropped: init never finished, so connect never ran.
    assert_eq!(log.entries(), ["init"]);
}

#[tokio::test(start_paused = true)]
async fn connect_backoff_retries_with_attempt_backoff_after_each_delay() {
    let log = Log::default();
    let probe = Probe::new(&log).with_connects([
        Connect::Backoff(Duration::from_millis(100)),
        Connect::Backoff(Duration::from_millis(200)),
        Connect::Ok,
    ]);
    let client = start(probe).await.unwrap();
    sleep(Duration::from_millis(99)).await;
    assert_eq!(log.entries(), ["init", "connect:init"]);
    sleep(Duration::from_millis(2)).await;
    assert_eq!(log.entries(), ["init", "connect:init", "connect:backoff"]);
    sleep(Duration::from_millis(198)).await;
    assert_eq!(log.count("connect:backoff"), 1);
    sleep(Duration::from_millis(2)).await;
    assert_eq!(log.count("connect:backoff"), 2);
    sleep(Duration::from_secs(60)).await;
    // Connected: no further retry.
    assert_eq!(log.count("connect:backoff"), 2);
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn connect_stop_runs_terminate_and_stops_with_the_reason() {
    let log = Log::default();
    let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    let probe = Probe::new(&log).with_connects([Connect::Stop(Stop::error(refused))]);
    let client = start(probe).await.unwrap();
    let reason = client.stopped().await;
    assert_eq!(reason.to_string(), "error: refused");
    assert_eq!(
        log.entries(),
        ["init", "connect:init", "terminate:error: refused"]
    );
    assert!(!client.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_connect_stops_with_panic_and_runs_terminate() {
    let log = Log::default();
    let mut probe = Probe::new(&log);
    probe.connect_panics = true;
    let client = start(probe).await.unwrap();
    let reason = client.stopped().await;
    assert!(
        matches!(&reason, Stop::Panic(message) if message == "connect panicked"),
        "{reason:?}"
    );
    assert_eq!(
        log.entries(),
        ["init", "connect:init", "terminate:panic: connect panicked"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_call_waiting_behind_a_panicking_connect_gets_stopped_not_a_hang() {
    let log = Log::default();
    let mut probe = Probe::new(&log);
    probe.connect_panics = true;
    let client = start(probe).await.unwrap();
    let error = barrier(&client, "queued").await.unwrap_err();
    assert!(
        matches!(&error, connection::CallError::Stopped(Stop::Panic(_))),
        "{error:?}"
    );
    assert!(!log.contains("call:queued"));
}

#[tokio::test(start_paused = true)]
async fn a_client_waits_until_the_first_connect_succeeds() {
    let log = Log::default();
    let delay = Duration::from_secs(1);
    let client = Probe::new(&log)
        .with_connects([
            Connect::Backoff(delay),
            Connect::Backoff(delay),
            Connect::Ok,
        ])
        .start()
        .await
        .unwrap();
    let generic: &connection::Client<Probe> = client.as_ref();
    let started = tokio::time::Instant::now();
    // Bounded (on the paused clock), so that a wait nobody wakes fails.
    tokio::time::timeout(Duration::from_secs(60), generic.until_connected())
        .await
        .expect("woken when connected")
        .unwrap();
    // Two backoff steps, then connected.
    assert_eq!(started.elapsed(), 2 * delay);
    assert!(client.is_connected());
    // Connected already: at once.
    generic.until_connected().await.unwrap();
    assert_eq!(started.elapsed(), 2 * delay);
}

#[tokio::test(start_paused = true)]
async fn a_client_waiting_for_a_connect_learns_why_the_connection_stopped_instead() {
    let log = Log::default();
    let client = Probe::new(&log)
        .with_connects([
            Connect::Backoff(Duration::from_secs(1)),
            Connect::Stop(Stop::shutdown("gave up")),
        ])
        .start()
        .await
        .unwrap();
    let generic: &connection::Client<Probe> = client.as_ref();
    match generic.until_connected().await {
        Err(Stop::Shutdown(Some(why))) => assert_eq!(why, "gave up"),
        other => panic!("{other:?}"),
    }
}
