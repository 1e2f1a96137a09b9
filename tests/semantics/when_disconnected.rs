//! `when_disconnected = run | queue | reject`: what requests do while the
//! connection is down, per handler and per block.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connection::{Attempt, CallError, Connect, Context, Disconnect, Init, Options, connection};
use tokio::time::sleep;

use crate::probe::settle;

/// Down until `up` is cast; every handler logs what it ran.
struct Link {
    log: Arc<Mutex<Vec<String>>>,
}

#[connection]
impl Link {
    #[init]
    async fn init(&mut self) -> Init<()> {
        // Start disconnected, with no retry pending.
        Init::Backoff(Duration::from_secs(3_600))
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        self.log.lock().unwrap().push("connect".into());
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        self.log.lock().unwrap().push("disconnect".into());
        Disconnect::NoConnect
    }

    /// Held while down, run after the next connect.
    #[call(when_disconnected = queue)]
    async fn queued(&mut self, n: u32) -> u32 {
        self.log.lock().unwrap().push(format!("queued:{n}"));
        n
    }

    /// Refused while down.
    #[call(when_disconnected = reject)]
    async fn rejected(&mut self) -> u32 {
        self.log.lock().unwrap().push("rejected".into());
        1
    }

    /// Runs whatever the state (the default).
    #[call]
    async fn anyway(&mut self, ctx: &mut Context<Self>) -> bool {
        self.log.lock().unwrap().push("anyway".into());
        ctx.is_connected()
    }

    /// A cast held while down.
    #[cast(when_disconnected = queue)]
    async fn queued_note(&mut self, n: u32) {
        self.log.lock().unwrap().push(format!("note:{n}"));
    }

    /// A cast dropped while down.
    #[cast(when_disconnected = reject)]
    async fn rejected_note(&mut self) {
        self.log.lock().unwrap().push("rejected_note".into());
    }

    #[cast]
    async fn up(&mut self, ctx: &mut Context<Self>) {
        ctx.connect(());
    }

    #[cast]
    async fn down(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect(());
    }
}

async fn start(options: Options) -> (LinkClient, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let client = Link { log: log.clone() }.start_with(options).await.unwrap();
    (client, log)
}

#[tokio::test(start_paused = true)]
async fn queued_calls_are_answered_after_the_reconnect_in_arrival_order() {
    let (client, log) = start(Options::default()).await;
    assert!(!client.is_connected());
    let calls: Vec<_> = (1..=3)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.queued(n).await })
        })
        .collect();
    settle().await;
    client.queued_note(4).await.unwrap();
    settle().await;
    assert!(log.lock().unwrap().is_empty(), "nothing runs while down");
    client.up().await.unwrap();
    for (n, call) in (1..=3).zip(calls) {
        assert_eq!(call.await.unwrap().unwrap(), n);
    }
    assert!(client.is_connected());
    assert!(client.anyway().await.unwrap());
    assert_eq!(
        *log.lock().unwrap(),
        [
            "connect", "queued:1", "queued:2", "queued:3", "note:4", "anyway"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_queued_call_whose_caller_timed_out_is_not_run() {
    let (client, log) = start(Options::default()).await;
    let impatient = client.with_timeout(Duration::from_secs(1));
    let error = impatient.queued(1).await.unwrap_err();
    assert!(matches!(error, CallError::Timeout), "{error:?}");
    let patient = tokio::spawn({
        let client = client.clone();
        async move { client.queued(2).await }
    });
    settle().await;
    client.up().await.unwrap();
    assert_eq!(patient.await.unwrap().unwrap(), 2);
    assert_eq!(*log.lock().unwrap(), ["connect", "queued:2"]);
}

#[tokio::test(start_paused = true)]
async fn a_rejected_call_never_reaches_its_handler() {
    let (client, log) = start(Options::default()).await;
    let error = client.rejected().await.unwrap_err();
    assert!(matches!(error, CallError::NotConnected), "{error:?}");
    client.rejected_note().await.unwrap();
    // The default policy runs the handler, which sees the state.
    assert!(!client.anyway().await.unwrap());
    client.up().await.unwrap();
    assert_eq!(client.rejected().await.unwrap(), 1);
    client.down().await.unwrap();
    let error = client.rejected().await.unwrap_err();
    assert!(matches!(error, CallError::NotConnected), "{error:?}");
    assert_eq!(
        *log.lock().unwrap(),
        ["anyway", "connect", "rejected", "disconnect"]
    );
}

#[tokio::test(start_paused = true)]
async fn the_queue_is_bounded_and_refuses_with_full() {
    let options = Options::default().queue_capacity(NonZeroUsize::new(2).unwrap());
    let (client, log) = start(options).await;
    let held: Vec<_> = (1..=2)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.queued(n).await })
        })
        .collect();
    settle().await;
    let error = client.queued(3).await.unwrap_err();
    assert!(matches!(error, CallError::Full), "{error:?}");
    client.up().await.unwrap();
    for call in held {
        call.await.unwrap().unwrap();
    }
    assert_eq!(*log.lock().unwrap(), ["connect", "queued:1", "queued:2"]);
}

#[tokio::test(start_paused = true)]
async fn callers_that_gave_up_free_their_places_in_a_full_queue() {
    let options = Options::default().queue_capacity(NonZeroUsize::new(1).unwrap());
    let (client, _log) = start(options).await;
    let error = client
        .with_timeout(Duration::from_secs(1))
        .queued(1)
        .await
        .unwrap_err();
    assert!(matches!(error, CallError::Timeout), "{error:?}");
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.queued(2).await }
    });
    settle().await;
    client.up().await.unwrap();
    assert_eq!(waiting.await.unwrap().unwrap(), 2);
}

#[tokio::test(start_paused = true)]
async fn held_requests_get_the_stop_reason_when_the_connection_stops() {
    let (client, _log) = start(Options::default()).await;
    let held = tokio::spawn({
        let client = client.clone();
        async move { client.queued(1).await }
    });
    settle().await;
    client
        .stop(connection::Stop::shutdown("bye"))
        .await
        .unwrap();
    let error = held.await.unwrap().unwrap_err();
    assert!(
        matches!(error, CallError::Stopped(connection::Stop::Shutdown(_))),
        "{error:?}"
    );
}

/// A block-level default, overridden per handler.
struct Strict;

#[connection(when_disconnected = reject)]
impl Strict {
    #[init]
    async fn init(&mut self) -> Init<()> {
        Init::Backoff(Duration::from_millis(100))
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn strict(&mut self) -> u8 {
        1
    }

    #[call(when_disconnected = run)]
    async fn lenient(&mut self) -> u8 {
        2
    }
}

#[tokio::test(start_paused = true)]
async fn a_block_default_applies_to_handlers_that_name_no_policy() {
    let client = Strict.start().await.unwrap();
    assert!(matches!(
        client.strict().await,
        Err(CallError::NotConnected)
    ));
    assert_eq!(client.lenient().await.unwrap(), 2);
    sleep(Duration::from_millis(150)).await;
    assert!(client.is_connected());
    assert_eq!(client.strict().await.unwrap(), 1);
}
