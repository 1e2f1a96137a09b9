//! `Duration::MAX` at every entry point that takes a delay or a timeout:
//! the original's `:infinity` (no timer), never a panic in the loop. A
//! panic there would kill the task without `terminate`, so each test ends
//! with a stop that must run it.

use std::time::Duration;

use connection::{
    Attempt, Backoff, Connect, Context, Disconnect, Init, Options, Restart, RestartPolicy, Stop,
    connection, supervise,
};

use crate::probe::{Action, Log, Probe, ProbeClient, barrier, settle, start};

/// Far past any timer the runtime could have armed by mistake.
const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// Waits a century on the paused clock, then checks the connection is still
/// there and stops it: `terminate` must run.
async fn alive_after_a_century_then_stopped(client: &ProbeClient, log: &Log) {
    tokio::time::sleep(CENTURY).await;
    assert!(client.is_alive(), "{:?}", log.entries());
    client.stop(Stop::Normal).await.unwrap();
    assert!(log.contains("terminate:normal"), "{:?}", log.entries());
}

#[tokio::test(start_paused = true)]
async fn a_connect_backoff_of_duration_max_waits_for_a_requested_connect() {
    let log = Log::default();
    let client = start(Probe::new(&log).with_connects([Connect::Backoff(Duration::MAX)]))
        .await
        .unwrap();
    tokio::time::sleep(CENTURY).await;
    assert_eq!(log.count("connect:backoff"), 0, "{:?}", log.entries());
    assert!(!client.is_connected());
    // A requested connect ends the wait.
    client.ask("up", Action::Connect("asked")).await.unwrap();
    barrier(&client, "after").await.unwrap();
    assert!(log.contains("connect:asked"), "{:?}", log.entries());
    assert!(client.is_connected());
    alive_after_a_century_then_stopped(&client, &log).await;
}

#[tokio::test(start_paused = true)]
async fn an_init_backoff_of_duration_max_arms_no_timer() {
    let log = Log::default();
    let client = start(Probe::new(&log).with_init(Init::Backoff(Duration::MAX)))
        .await
        .unwrap();
    alive_after_a_century_then_stopped(&client, &log).await;
    assert_eq!(log.count("connect:backoff"), 0, "{:?}", log.entries());
}

#[tokio::test(start_paused = true)]
async fn a_disconnect_backoff_of_duration_max_arms_no_timer() {
    let log = Log::default();
    let client = start(Probe::new(&log).with_disconnects([Disconnect::Backoff(Duration::MAX)]))
        .await
        .unwrap();
    client
        .ask("down", Action::Disconnect("asked"))
        .await
        .unwrap();
    alive_after_a_century_then_stopped(&client, &log).await;
    assert_eq!(log.count("connect:backoff"), 0, "{:?}", log.entries());
}

#[tokio::test(start_paused = true)]
async fn an_idle_timeout_of_duration_max_never_fires() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client
        .ask("arm", Action::Idle(Duration::MAX))
        .await
        .unwrap();
    alive_after_a_century_then_stopped(&client, &log).await;
    assert!(!log.contains("idle"), "{:?}", log.entries());
}

#[tokio::test(start_paused = true)]
async fn client_timeouts_of_duration_max_are_no_timeout() {
    let log = Log::default();
    let client = Probe::new(&log)
        .with_init(Init::Ok)
        .start_with(
            Options::default()
                .call_timeout(Duration::MAX)
                .init_timeout(Duration::MAX),
        )
        .await
        .unwrap();
    assert_eq!(client.timeout(), None);
    let patient = client.with_timeout(Duration::MAX);
    assert_eq!(patient.timeout(), None);
    // A call that takes a century still gets its answer.
    let answer = patient.ask("slow", Action::Sleep(CENTURY)).await;
    assert_eq!(answer.unwrap(), 1);
    alive_after_a_century_then_stopped(&client, &log).await;
}

#[tokio::test(start_paused = true)]
async fn a_restart_wait_of_duration_max_is_no_restart() {
    let log = Log::default();
    let policy = RestartPolicy::new(Restart::Permanent)
        .backoff(|| Backoff::from_fn(|| std::iter::repeat(Duration::MAX)));
    let factory_log = log.clone();
    let client = supervise(
        move || Probe::new(&factory_log).with_init(Init::Ok),
        policy,
        Options::default(),
    )
    .await
    .unwrap();
    client.ask("boom", Action::Panic).await.unwrap_err();
    // Stopped for good with the panic, at once: not waiting for ever.
    let reason = tokio::time::timeout(Duration::from_secs(1), client.stopped())
        .await
        .expect("stopped without waiting");
    assert!(matches!(reason, Stop::Panic(_)), "{reason}");
    assert_eq!(log.count("init"), 1, "{:?}", log.entries());
}

/// A connection that sends itself an info after a delay.
struct Reminder {
    log: Log,
}

#[connection]
impl Reminder {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[cast]
    async fn remind(&mut self, after: Duration, ctx: &mut Context<Self>) {
        ctx.send_after("reminded", after);
    }

    #[info]
    async fn on_info(&mut self, what: &'static str) {
        self.log.push(what);
    }

    #[terminate]
    async fn terminate(&mut self, reason: &Stop) {
        self.log.push(format!("terminate:{reason}"));
    }
}

#[tokio::test(start_paused = true)]
async fn send_after_duration_max_never_delivers() {
    let log = Log::default();
    let client = Reminder { log: log.clone() }.start().await.unwrap();
    client.remind(Duration::MAX).await.unwrap();
    client.remind(Duration::from_secs(1)).await.unwrap();
    tokio::time::sleep(CENTURY).await;
    settle().await;
    assert_eq!(log.entries(), ["reminded"]);
    client.stop(Stop::Normal).await.unwrap();
    assert!(log.contains("terminate:normal"), "{:?}", log.entries());
}
