//! `disconnect` results (§3.3) and transitions requested by handlers (§3.4 to
//! §3.6, §6).

use std::sync::Arc;
use std::time::Duration;

use connection::{Disconnect, Stop};
use tokio::sync::Notify;
use tokio::time::sleep;

use crate::probe::{Action, Log, Probe, barrier, start};

#[tokio::test(start_paused = true)]
async fn disconnect_connect_chains_into_connect_before_queued_messages() {
    let log = Log::default();
    let probe = Probe::new(&log).with_disconnects([Disconnect::Connect("again")]);
    let client = start(probe).await.unwrap();
    // Both queued before the connection runs: the disconnect requested by
    // the cast, and the connect it chains into, run before the call.
    client
        .note("drop", Action::Disconnect("lost"))
        .await
        .unwrap();
    barrier(&client, "queued").await.unwrap();
    assert_eq!(
        log.entries(),
        [
            "init",
            "connect:init",
            "cast:drop",
            "disconnect:lost",
            "connect:again",
            "call:queued"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn disconnect_noconnect_stays_disconnected() {
    let log = Log::default();
    let probe = Probe::new(&log).with_disconnects([Disconnect::NoConnect]);
    let client = start(probe).await.unwrap();
    client
        .note("drop", Action::Disconnect("lost"))
        .await
        .unwrap();
    sleep(Duration::from_secs(3600)).await;
    barrier(&client, "later").await.unwrap();
    assert_eq!(
        log.entries(),
        [
            "init",
            "connect:init",
            "cast:drop",
            "disconnect:lost",
            "call:later"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn disconnect_backoff_runs_a_backoff_connect_after_the_delay() {
    let log = Log::default();
    let probe =
        Probe::new(&log).with_disconnects([Disconnect::Backoff(Duration::from_millis(500))]);
    let client = start(probe).await.unwrap();
    client
        .note("drop", Action::Disconnect("lost"))
        .await
        .unwrap();
    sleep(Duration::from_millis(499)).await;
    assert!(!log.contains("connect:backoff"));
    sleep(Duration::from_millis(2)).await;
    assert_eq!(log.entries().last().unwrap(), "connect:backoff");
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn disconnect_stop_runs_terminate() {
    let log = Log::default();
    let probe = Probe::new(&log).with_disconnects([Disconnect::Stop(Stop::Normal)]);
    let client = start(probe).await.unwrap();
    client
        .note("drop", Action::Disconnect("lost"))
        .await
        .unwrap();
    assert!(matches!(client.stopped().await, Stop::Normal));
    assert_eq!(
        log.entries(),
        [
            "init",
            "connect:init",
            "cast:drop",
            "disconnect:lost",
            "terminate:normal"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_disconnect_stops_with_panic() {
    let log = Log::default();
    let mut probe = Probe::new(&log);
    probe.disconnect_panics = true;
    let client = start(probe).await.unwrap();
    client
        .note("drop", Action::Disconnect("lost"))
        .await
        .unwrap();
    let reason = client.stopped().await;
    assert!(
        matches!(&reason, Stop::Panic(m) if m == "disconnect panicked"),
        "{reason:?}"
    );
    assert_eq!(
        log.entries().last().unwrap(),
        "terminate:panic: disconnect panicked"
    );
}

#[tokio::test(start_paused = true)]
async fn a_reply_reaches_the_caller_before_the_requested_connect_finishes() {
    let log = Log::default();
    let gate = Arc::new(Notify::new());
    let mut probe = Probe::new(&log).with_init(connection::Init::Ok);
    probe.connect_gate = Some(gate.clone());
    let client = start(probe).await.unwrap();
    // The call asks for a connect; connect then blocks at its gate, yet the
    // caller already has its reply.
    let calls = client
        .ask("connect", Action::Connect("asked"))
        .await
        .unwrap();
    assert_eq!(calls, 1);
    assert_eq!(log.entries().last().unwrap(), "connect:asked");
    gate.notify_one();
    barrier(&client, "after").await.unwrap();
    assert_eq!(
        &log.entries()[log.entries().len() - 3..],
        ["connect:asked", "connect:done", "call:after"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_reply_reaches_the_caller_before_the_requested_disconnect_runs() {
    let log = Log::default();
    let mut probe = Probe::new(&log);
    probe.disconnect_panics = true;
    let client = start(probe).await.unwrap();
    // The disconnect the call requests panics, but the caller already has
    // its reply (the original's four-element disconnect return).
    assert_eq!(
        client
            .ask("drop", Action::Disconnect("lost"))
            .await
            .unwrap(),
        1
    );
    assert!(matches!(client.stopped().await, Stop::Panic(_)));
}

#[tokio::test(start_paused = true)]
async fn a_cast_can_request_a_connect() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    client.note("up", Action::Connect("asked")).await.unwrap();
    barrier(&client, "after").await.unwrap();
    assert_eq!(
        log.entries(),
        ["init", "cast:up", "connect:asked", "call:after"]
    );
}

#[tokio::test(start_paused = true)]
async fn an_info_message_reaches_the_info_handler_and_can_request_a_disconnect() {
    let log = Log::default();
    let client = start(Probe::new(&log)).await.unwrap();
    client
        .info(Action::Disconnect("peer closed"))
        .await
        .unwrap();
    barrier(&client, "after").await.unwrap();
    assert_eq!(
        log.entries(),
        [
            "init",
            "connect:init",
            "info:Disconnect(\"peer closed\")",
            "disconnect:peer closed",
            "call:after"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn the_last_transition_requested_in_a_handler_wins() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    let twice = Action::Sequence(vec![Action::Connect("first"), Action::Connect("second")]);
    client.note("twice", twice).await.unwrap();
    barrier(&client, "after").await.unwrap();
    assert_eq!(
        log.entries(),
        ["init", "cast:twice", "connect:second", "call:after"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_requested_stop_wins_over_a_later_requested_connect() {
    let log = Log::default();
    let client = Probe::start_idle(&log).await;
    let both = Action::Sequence(vec![Action::Stop(Stop::Normal), Action::Connect("late")]);
    client.note("both", both).await.unwrap();
    assert!(matches!(client.stopped().await, Stop::Normal));
    assert_eq!(log.entries(), ["init", "cast:both", "terminate:normal"]);
}

#[tokio::test(start_paused = true)]
async fn a_connect_requested_through_the_context_inside_connect_is_ignored() {
    use connection::{Attempt, Connect, Context, connection};

    struct Eager {
        connects: u32,
    }

    #[connection]
    impl Eager {
        #[connect]
        async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
            self.connects += 1;
            // Would loop forever if honoured.
            ctx.connect(());
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
            Disconnect::NoConnect
        }

        #[call]
        async fn connects(&mut self) -> u32 {
            self.connects
        }
    }

    let client = Eager { connects: 0 }.start().await.unwrap();
    assert_eq!(client.connects().await.unwrap(), 1);
}

/// Disconnects, when asked, with an `io::Error` (`Display` and `Debug`).
struct Displayed;

#[connection::connection]
impl Displayed {
    #[connect]
    async fn connect(&mut self, _attempt: connection::Attempt<()>) -> connection::Connect {
        connection::Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: std::io::Error) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn drop_link(&mut self, ctx: &mut connection::Context<Self>) {
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "the peer hung up");
        ctx.disconnect(reset);
    }
}

#[tokio::test(start_paused = true)]
async fn a_disconnect_info_is_the_last_failure_by_its_display() {
    let client = Displayed.start().await.unwrap();
    client.drop_link().await.unwrap();
    let generic: &connection::Client<Displayed> = client.as_ref();
    let failure = generic.last_failure().expect("down, and said why");
    // Its `Display`, not its `Debug` (`Custom { kind: ConnectionReset, .. }`).
    assert_eq!(failure.to_string(), "disconnected: the peer hung up");
}

/// A disconnect info with `Debug` and no `Display`.
#[derive(Debug)]
enum Why {
    Reset {
        #[allow(dead_code, reason = "read by its `Debug`")]
        after_ms: u32,
    },
}

/// Disconnects, when asked, with a `Why`.
struct DebugOnly(Option<Why>);

#[connection::connection]
impl DebugOnly {
    #[connect]
    async fn connect(&mut self, _attempt: connection::Attempt<()>) -> connection::Connect {
        connection::Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: Why) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn drop_link(&mut self, ctx: &mut connection::Context<Self>) {
        ctx.disconnect(self.0.take().expect("one disconnect"));
    }
}

/// A disconnect info with neither `Display` nor `Debug`.
struct Opaque;

/// Disconnects, when asked, with an `Opaque`.
struct Silent;

#[connection::connection]
impl Silent {
    #[connect]
    async fn connect(&mut self, _attempt: connection::Attempt<()>) -> connection::Connect {
        connection::Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: Opaque) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn drop_link(&mut self, ctx: &mut connection::Context<Self>) {
        ctx.disconnect(Opaque);
    }
}

#[tokio::test(start_paused = true)]
async fn a_disconnect_info_without_display_is_the_last_failure_by_its_debug() {
    let why = Why::Reset { after_ms: 30 };
    let client = DebugOnly(Some(why)).start().await.unwrap();
    client.drop_link().await.unwrap();
    let generic: &connection::Client<DebugOnly> = client.as_ref();
    let failure = generic.last_failure().expect("down, and said why");
    assert_eq!(failure.to_string(), "disconnected: Reset { after_ms: 30 }");

    // Neither: nothing to say.
    let client = Silent.start().await.unwrap();
    client.drop_link().await.unwrap();
    let generic: &connection::Client<Silent> = client.as_ref();
    assert!(generic.last_failure().is_none());
}
