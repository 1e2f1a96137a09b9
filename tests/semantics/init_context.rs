//! `#[init]` with a context: the original's `{:ok, s, timeout}` and
//! `{:backoff, t, s, timeout}` (an idle timeout armed by `init`), an `init`
//! that sends itself a first message (or fills its mailbox: told `Full`,
//! not left waiting for itself) or starts a timer, a stop asked for
//! through it; and the init timeout on a supervised restart's `init`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use connection::{
    Attempt, Connect, Context, Disconnect, Init, Options, Restart, RestartPolicy, StartError, Stop,
    connection, supervise,
};
use tokio::time::{Instant, sleep};

use crate::probe::{Log, settle};

/// What `init` does with its context.
#[derive(Clone, Copy)]
enum Plan {
    /// `Init::Ok` with an idle timeout of a second.
    OkWithTimeout,
    /// `Init::Backoff(3 s)` with an idle timeout of a second.
    BackoffWithTimeout,
    /// Sends itself an info, then `Init::Ok`.
    FirstMessage,
    /// A timer of half a second, then `Init::Ok`.
    Timer,
    /// Asks for a stop through the context.
    Stop,
    /// Never returns.
    Hang,
    /// Sends itself infos until the mailbox says no.
    FillMailbox,
}

struct Starter {
    log: Log,
    plan: Plan,
}

#[connection]
impl Starter {
    #[init]
    async fn init(&mut self, ctx: &mut Context<Self>) -> Init<()> {
        self.log.push("init");
        match self.plan {
            Plan::OkWithTimeout => {
                ctx.idle_timeout(Duration::from_secs(1));
                Init::Ok
            }
            Plan::BackoffWithTimeout => {
                ctx.idle_timeout(Duration::from_secs(1));
                Init::Backoff(Duration::from_secs(3))
            }
            Plan::FirstMessage => {
                ctx.info_sender().try_send("first").unwrap();
                Init::Ok
            }
            Plan::Timer => {
                ctx.send_after("timer", Duration::from_millis(500));
                Init::Ok
            }
            Plan::Stop => {
                ctx.send_after("never", Duration::from_millis(1));
                ctx.stop(Stop::shutdown("not today"));
                Init::Ok
            }
            Plan::Hang => std::future::pending().await,
            Plan::FillMailbox => {
                let sender = ctx.info_sender();
                let mut sent = 0;
                let refused = loop {
                    match sender.send("queued").await {
                        Ok(()) => sent += 1,
                        Err(error) => break error,
                    }
                };
                self.log.push(format!("sent {sent}, then {refused:?}"));
                Init::Ok
            }
        }
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<()>) -> Connect {
        self.log.push(match attempt {
            Attempt::Backoff => "connect:backoff",
            Attempt::Requested(()) => "connect",
        });
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// Logs `call`.
    #[call]
    async fn ping(&mut self) {
        self.log.push("call");
    }

    /// Panics.
    #[cast]
    async fn crash(&mut self) {
        panic!("crash");
    }

    #[info]
    async fn on_info(&mut self, what: &'static str) {
        self.log.push(what);
    }

    #[timeout]
    async fn on_idle(&mut self) {
        self.log.push("idle");
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &Stop) {
        self.log.push("terminate");
    }
}

fn starter(log: &Log, plan: Plan) -> Starter {
    Starter {
        log: log.clone(),
        plan,
    }
}

#[tokio::test(start_paused = true)]
async fn init_ok_with_a_timeout_arms_the_idle_timeout() {
    let log = Log::default();
    let _client = starter(&log, Plan::OkWithTimeout).start().await.unwrap();
    sleep(Duration::from_millis(999)).await;
    assert_eq!(log.entries(), ["init"]);
    sleep(Duration::from_millis(2)).await;
    assert_eq!(log.entries(), ["init", "idle"]);
}

#[tokio::test(start_paused = true)]
async fn init_backoff_with_a_timeout_times_out_before_the_backoff_fires() {
    let log = Log::default();
    let _client = starter(&log, Plan::BackoffWithTimeout)
        .start()
        .await
        .unwrap();
    sleep(Duration::from_millis(1001)).await;
    assert_eq!(log.entries(), ["init", "idle"]);
    sleep(Duration::from_secs(2)).await;
    assert_eq!(log.entries(), ["init", "idle", "connect:backoff"]);
}

#[tokio::test(start_paused = true)]
async fn an_info_init_sends_itself_comes_before_any_request() {
    let log = Log::default();
    let client = starter(&log, Plan::FirstMessage).start().await.unwrap();
    client.ping().await.unwrap();
    assert_eq!(log.entries(), ["init", "first", "call"]);
}

#[tokio::test(start_paused = true)]
async fn an_init_that_fills_its_mailbox_is_told_full_instead_of_waiting_for_itself() {
    let log = Log::default();
    let options =
        Options::default().mailbox_capacity(std::num::NonZeroUsize::new(2).expect("not zero"));
    // Waiting for room would wait for the loop, which starts only after
    // `init` returns: `start` would never return.
    let start = starter(&log, Plan::FillMailbox).start_with(options);
    let client = tokio::time::timeout(Duration::from_secs(60), start)
        .await
        .expect("start returns")
        .unwrap();
    client.ping().await.unwrap();
    assert_eq!(
        log.entries(),
        ["init", "sent 2, then Full", "queued", "queued", "call"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_timer_init_starts_fires_on_time() {
    let log = Log::default();
    let _client = starter(&log, Plan::Timer).start().await.unwrap();
    sleep(Duration::from_millis(499)).await;
    assert_eq!(log.entries(), ["init"]);
    sleep(Duration::from_millis(2)).await;
    assert_eq!(log.entries(), ["init", "timer"]);
}

#[tokio::test(start_paused = true)]
async fn a_stop_asked_for_in_init_is_a_failed_start_and_ends_its_timers() {
    let log = Log::default();
    let outcome = starter(&log, Plan::Stop).start().await;
    let Err(StartError::Stopped(reason)) = outcome else {
        panic!("started");
    };
    assert_eq!(reason.to_string(), "shutdown: not today");
    sleep(Duration::from_secs(1)).await;
    settle().await;
    // No terminate after a failed init, and the timer it started is gone.
    assert_eq!(log.entries(), ["init"]);
}

#[tokio::test(start_paused = true)]
async fn a_restarts_init_is_bounded_by_the_init_timeout() {
    let log = Log::default();
    let builds = Arc::new(AtomicUsize::new(0));
    let factory = {
        let log = log.clone();
        let builds = builds.clone();
        // The second build's `init` hangs; the first and third are fine.
        move || {
            let plan = if builds.fetch_add(1, Ordering::SeqCst) == 1 {
                Plan::Hang
            } else {
                Plan::OkWithTimeout
            };
            starter(&log, plan)
        }
    };
    let options = Options::default().init_timeout(Duration::from_secs(2));
    let client = supervise(factory, RestartPolicy::new(Restart::Permanent), options)
        .await
        .unwrap();
    client.crash().await.unwrap();
    let crashed = Instant::now();
    // The restarted connection answers once the hung `init` timed out and
    // the one after it ran.
    client.ping().await.unwrap();
    assert_eq!(builds.load(Ordering::SeqCst), 3);
    assert!(
        crashed.elapsed() >= Duration::from_secs(2),
        "{:?}",
        crashed.elapsed()
    );
    assert!(
        crashed.elapsed() < Duration::from_secs(5),
        "{:?}",
        crashed.elapsed()
    );
}
