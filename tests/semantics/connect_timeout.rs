//! The connect timeout (`Options::connect_timeout`): a `connect` that runs
//! past it is cancelled and counts as a failed attempt, backing off by the
//! policy or stopping once it gives up. The original has none.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connection::{
    Attempt, Backoff, Connect, Context, Disconnect, LinkToken, Options, Stop, connection,
};
use tokio::time::{Instant, sleep};

use crate::probe::settle;

const MS: fn(u64) -> Duration = Duration::from_millis;

type Log = Arc<Mutex<Vec<String>>>;

/// Each connect waits the next of `waits` (for ever once they run out),
/// logging when it started and whether it finished; requests are held
/// while it is down.
struct Slow {
    started: Instant,
    waits: VecDeque<Duration>,
    log: Log,
    /// The link token of the latest attempt, made before it waits.
    token: Option<LinkToken<Self>>,
}

impl Slow {
    fn log(&self, entry: String) {
        self.log.lock().unwrap().push(entry);
    }
}

#[connection(when_disconnected = queue)]
impl Slow {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        let at = self.started.elapsed().as_millis();
        self.log(format!("connect at {at}"));
        self.token = Some(ctx.link_token());
        match self.waits.pop_front() {
            Some(wait) => sleep(wait).await,
            None => std::future::pending().await,
        }
        let at = self.started.elapsed().as_millis();
        self.log(format!("connected at {at}"));
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: &'static str) -> Disconnect<()> {
        self.log(format!("disconnect: {why}"));
        Disconnect::NoConnect
    }

    #[call]
    async fn answer(&mut self) -> u32 {
        42
    }

    /// The token the latest connect made.
    #[call(when_disconnected = run)]
    async fn token(&mut self) -> Option<LinkToken<Self>> {
        self.token.clone()
    }
}

fn slow(waits: impl IntoIterator<Item = Duration>) -> (Slow, Log) {
    let log = Log::default();
    let slow = Slow {
        started: Instant::now(),
        waits: waits.into_iter().collect(),
        log: log.clone(),
        token: None,
    };
    (slow, log)
}

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// A connect timeout of 1 s, and 100 ms between attempts.
fn options() -> Options {
    Options::default()
        .connect_timeout(MS(1_000))
        .backoff(|| Backoff::from_fn(|| std::iter::repeat(MS(100))))
        .call_timeout(MS(60_000))
}

#[tokio::test(start_paused = true)]
async fn a_connect_past_its_timeout_is_cancelled_and_tried_again_after_the_backoff() {
    let (slow, log) = slow([MS(60_000), MS(0)]);
    let client = slow.start_with(options()).await.unwrap();
    let generic: &connection::Client<Slow> = client.as_ref();
    // A request held meanwhile is answered by the second attempt's link.
    let held = tokio::spawn({
        let client = client.clone();
        async move { client.answer().await }
    });
    sleep(MS(999)).await;
    assert_eq!(entries(&log), ["connect at 0"]);
    assert!(generic.last_failure().is_none(), "still within the timeout");
    sleep(MS(2)).await;
    let failure = generic.last_failure().expect("the timed-out attempt");
    assert_eq!(failure.to_string(), "connect did not finish within 1s");
    assert!(!client.is_connected());
    // Answered between the attempts.
    let first_token = client
        .token()
        .await
        .unwrap()
        .expect("made by the first attempt");
    sleep(MS(100)).await;
    let held = tokio::time::timeout(MS(1), held).await;
    assert_eq!(held.expect("answered").unwrap().unwrap(), 42);
    assert_eq!(
        entries(&log),
        ["connect at 0", "connect at 1100", "connected at 1100"]
    );
    assert!(client.is_connected());
    // What the cancelled attempt tied to a link does not reach this one.
    first_token.lost("the cancelled attempt's token");
    settle().await;
    assert_eq!(client.answer().await.unwrap(), 42);
    assert_eq!(entries(&log).len(), 3, "{:?}", entries(&log));
}

#[tokio::test(start_paused = true)]
async fn a_connect_within_its_timeout_is_not_cancelled() {
    let (slow, log) = slow([MS(999)]);
    let client = slow.start_with(options()).await.unwrap();
    let answer = tokio::time::timeout(MS(1_000), client.answer()).await;
    assert_eq!(answer.expect("answered").unwrap(), 42);
    assert_eq!(entries(&log), ["connect at 0", "connected at 999"]);
}

#[tokio::test(start_paused = true)]
async fn a_policy_that_gives_up_stops_with_the_timeout() {
    let (slow, _log) = slow([]);
    let options = options().backoff(|| Backoff::from_fn(Vec::new));
    let client = slow.start_with(options).await.unwrap();
    let stop = tokio::time::timeout(MS(1_001), client.stopped()).await;
    let stop = stop.expect("stopped after the one attempt");
    let Stop::Error(error) = &stop else {
        panic!("{stop:?}");
    };
    assert_eq!(error.to_string(), "connect did not finish within 1s");
}

#[tokio::test(start_paused = true)]
async fn the_default_is_ten_seconds() {
    assert_eq!(Options::default().get_connect_timeout(), MS(10_000));
    let (slow, log) = slow([]);
    // No backoff within the test: a retry would log a second connect.
    let options = Options::default().backoff(|| Backoff::from_fn(|| [MS(60_000)]));
    let client = slow.start_with(options).await.unwrap();
    let generic: &connection::Client<Slow> = client.as_ref();
    sleep(MS(9_999)).await;
    assert!(generic.last_failure().is_none());
    sleep(MS(2)).await;
    let failure = generic.last_failure().expect("the timed-out attempt");
    assert_eq!(failure.to_string(), "connect did not finish within 10s");
    assert_eq!(entries(&log), ["connect at 0"]);
}

#[tokio::test(start_paused = true)]
async fn duration_max_is_no_timeout() {
    let (slow, log) = slow([]);
    let options = options().connect_timeout(Duration::MAX);
    let client = slow.start_with(options).await.unwrap();
    let generic: &connection::Client<Slow> = client.as_ref();
    sleep(Duration::from_secs(3_600)).await;
    assert!(generic.last_failure().is_none());
    assert_eq!(entries(&log), ["connect at 0"]);
}
