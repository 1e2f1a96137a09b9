//! A connection's own task making requests of itself: the original exits
//! with `:calling_self`; here the request fails at once with
//! `CallError::CallingSelf` and is not run, and the connection goes on.
//! Tasks the connection spawns are not its own task: they may call it. A
//! `WeakClient` lets a connection keep a handle to itself without keeping
//! itself alive.

use std::num::NonZeroUsize;
use std::time::Duration;

use connection::{
    Attempt, CallError, Connect, Context, Disconnect, Options, Stop, WeakClient, connection,
};

use crate::probe::{Log, settle};

/// How a handler reaches its own connection.
#[derive(Debug)]
enum Via {
    Call,
    CallWithoutTimeout,
    /// A call after the handler waited once: made on a later poll of it.
    CallAfterAwait,
    /// A call after the handler started another connection (whose `init`
    /// ran inside this handler's poll).
    CallAfterStartingAnother,
    Stop,
    Cast,
    /// Casts until the mailbox (of 2) is full.
    CastUntilFull,
    /// From a task it spawns, which waits for the answer.
    SpawnedTask,
}

struct Narcissus {
    log: Log,
    me: Option<WeakClient<Narcissus>>,
}

#[connection]
impl Narcissus {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        self.me = Some(ctx.weak_client());
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// Reaches itself `via`, and answers with what that gave.
    #[call]
    async fn reach_self(&mut self, via: Via) -> Result<(), CallError> {
        let me = self.me.as_ref().unwrap().upgrade().unwrap();
        match via {
            Via::Call => me.echo("inner").await.map(drop),
            Via::CallWithoutTimeout => me.without_timeout().echo("inner").await.map(drop),
            Via::CallAfterAwait => {
                tokio::time::sleep(Duration::from_millis(1)).await;
                me.echo("inner").await.map(drop)
            }
            Via::CallAfterStartingAnother => {
                let other = Narcissus {
                    log: Log::default(),
                    me: None,
                };
                let other = other.start().await.expect("another connection starts");
                drop(other);
                me.echo("inner").await.map(drop)
            }
            Via::Stop => me.stop(Stop::Normal).await,
            Via::Cast => me.note("cast to self").await,
            Via::CastUntilFull => loop {
                me.note("filling").await?;
            },
            Via::SpawnedTask => {
                let answer = tokio::spawn(async move { me.echo("from a task").await });
                // Not awaited here: the connection must go on to answer it.
                drop(answer);
                Ok(())
            }
        }
    }

    #[call]
    async fn echo(&mut self, text: &'static str) -> &'static str {
        self.log.push(format!("echo:{text}"));
        text
    }

    #[cast]
    async fn note(&mut self, text: &'static str) {
        self.log.push(format!("note:{text}"));
    }

    #[terminate]
    async fn terminate(&mut self, reason: &Stop) {
        self.log.push(format!("terminate:{reason}"));
    }
}

async fn started(log: &Log, mailbox: usize) -> NarcissusClient {
    let options = Options::default().mailbox_capacity(NonZeroUsize::new(mailbox).unwrap());
    Narcissus {
        log: log.clone(),
        me: None,
    }
    .start_with(options)
    .await
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_call_to_itself_fails_at_once_and_is_not_run() {
    let log = Log::default();
    let client = started(&log, 16).await;
    let before = tokio::time::Instant::now();
    for via in [
        Via::Call,
        Via::CallWithoutTimeout,
        Via::CallAfterAwait,
        Via::CallAfterStartingAnother,
    ] {
        let outcome = client.reach_self(via).await.unwrap();
        assert!(
            matches!(outcome, Err(CallError::CallingSelf)),
            "{outcome:?}"
        );
    }
    assert_eq!(
        before.elapsed(),
        Duration::from_millis(1),
        "no timeout waited out, only the handler's own wait"
    );
    assert!(!log.contains("echo:inner"), "{:?}", log.entries());
    // The connection goes on.
    assert_eq!(client.echo("after").await.unwrap(), "after");
}

#[tokio::test(start_paused = true)]
async fn a_stop_through_its_own_client_fails_at_once_and_stops_nothing() {
    let log = Log::default();
    let client = started(&log, 16).await;
    let outcome = client.reach_self(Via::Stop).await.unwrap();
    assert!(
        matches!(outcome, Err(CallError::CallingSelf)),
        "{outcome:?}"
    );
    assert!(client.is_alive());
    assert_eq!(client.echo("after").await.unwrap(), "after");
    assert!(!log.contains("terminate:normal"));
}

#[tokio::test(start_paused = true)]
async fn a_cast_to_itself_is_queued_and_a_full_mailbox_fails_at_once() {
    let log = Log::default();
    let client = started(&log, 2).await;
    client.reach_self(Via::Cast).await.unwrap().unwrap();
    settle().await;
    assert!(log.contains("note:cast to self"), "{:?}", log.entries());
    // Filling its own mailbox: waiting for room would wait for itself.
    let outcome = client.reach_self(Via::CastUntilFull).await.unwrap();
    assert!(matches!(outcome, Err(CallError::Full)), "{outcome:?}");
    assert_eq!(client.echo("after").await.unwrap(), "after");
}

#[tokio::test(start_paused = true)]
async fn a_task_the_connection_spawns_may_call_it() {
    let log = Log::default();
    let client = started(&log, 16).await;
    client.reach_self(Via::SpawnedTask).await.unwrap().unwrap();
    settle().await;
    assert!(log.contains("echo:from a task"), "{:?}", log.entries());
}

#[tokio::test(start_paused = true)]
async fn a_weak_client_in_its_state_does_not_keep_it_alive() {
    let log = Log::default();
    let client = started(&log, 16).await;
    client.echo("connected").await.unwrap();
    let weak = client.as_ref().downgrade();
    assert!(weak.upgrade().is_some());
    drop(client);
    settle().await;
    assert!(!weak.is_alive());
    assert!(weak.upgrade().is_none());
    assert!(log.contains("terminate:normal"), "{:?}", log.entries());
}

/// Calls itself from `init`, which runs before `start` returns (on the
/// caller's task): the loop that would answer has not started.
struct CallsItselfInInit {
    outcome: Log,
}

#[connection]
impl CallsItselfInInit {
    #[init]
    async fn init(&mut self, ctx: &mut Context<Self>) -> connection::Init<()> {
        let me = ctx.weak_client().upgrade().expect("the mailbox is open");
        let outcome = me.ping().await;
        self.outcome.push(format!("{outcome:?}"));
        connection::Init::Connect(())
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
    async fn ping(&mut self) -> &'static str {
        "pong"
    }
}

#[tokio::test(start_paused = true)]
async fn a_call_to_itself_from_init_fails_at_once() {
    let outcome = Log::default();
    let started = tokio::time::Instant::now();
    let client = CallsItselfInInit {
        outcome: outcome.clone(),
    }
    .start()
    .await
    .unwrap();
    assert_eq!(started.elapsed(), Duration::ZERO, "no timeout waited out");
    assert_eq!(outcome.entries(), ["Err(CallingSelf)"]);
    // Its own client, made and dropped in `init`, was not the last one:
    // the connection goes on.
    assert_eq!(client.ping().await.unwrap(), "pong");
    assert!(client.is_alive());
}
