//! Links reported lost by tasks (`ctx.link_token()`), and what a `connect`
//! that backs off leaves tied to a link (nothing).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use connection::{Attempt, Connect, Context, Disconnect, LinkToken, connection};
use tokio::time::sleep;

use crate::probe::settle;

type Log = Arc<Mutex<Vec<String>>>;

/// Makes a token for each link, and logs connects, disconnects and calls.
struct Linked {
    log: Log,
    links: u32,
    token: Option<LinkToken<Self>>,
    /// The token of the attempt that backed off.
    failed: Option<LinkToken<Self>>,
    /// The first connect ties a watch that ends after this, and a token, to
    /// its attempt, then backs off for 10 ms.
    first_fails_with_watch: Option<Duration>,
}

impl Linked {
    fn log(&self, entry: String) {
        self.log.lock().unwrap().push(entry);
    }
}

#[connection]
impl Linked {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        self.links += 1;
        self.token = Some(ctx.link_token());
        if self.links == 1
            && let Some(after) = self.first_fails_with_watch
        {
            ctx.disconnect_when(async move {
                sleep(after).await;
                "the failed attempt's watch"
            });
            self.failed = self.token.take();
            self.log("backoff 1".into());
            return Connect::Backoff(Duration::from_millis(10));
        }
        self.log(format!("connect {}", self.links));
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: &'static str) -> Disconnect<()> {
        self.log(format!("disconnect: {why}"));
        self.token = None;
        Disconnect::Connect(())
    }

    /// This link's token.
    #[call]
    async fn token(&mut self) -> Option<LinkToken<Self>> {
        self.token.clone()
    }

    #[call]
    async fn failed_attempts_token(&mut self) -> Option<LinkToken<Self>> {
        self.failed.clone()
    }

    #[call]
    async fn drop_link(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect("dropped");
    }

    #[call]
    async fn work(&mut self, busy: Duration, n: u32) -> u32 {
        sleep(busy).await;
        self.log(format!("work {n}"));
        n
    }
}

fn linked(first_fails_with_watch: Option<Duration>) -> (Linked, Log) {
    let log = Log::default();
    let linked = Linked {
        log: log.clone(),
        links: 0,
        token: None,
        failed: None,
        first_fails_with_watch,
    };
    (linked, log)
}

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

#[tokio::test(start_paused = true)]
async fn a_reported_link_is_disconnected_before_the_requests_queued() {
    let (linked, log) = linked(None);
    let client = linked.start().await.unwrap();
    let token = client.token().await.unwrap().expect("connected");
    // One request busy, two queued behind it, then the loss.
    let busy = tokio::spawn({
        let client = client.clone();
        async move { client.work(Duration::from_millis(50), 1).await }
    });
    settle().await;
    let queued: Vec<_> = (2..4)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.work(Duration::ZERO, n).await })
        })
        .collect();
    settle().await;
    token.lost("no answer to a ping");
    assert_eq!(busy.await.unwrap().unwrap(), 1);
    for (n, queued) in (2..).zip(queued) {
        assert_eq!(queued.await.unwrap().unwrap(), n);
    }
    assert_eq!(
        entries(&log),
        [
            "connect 1",
            "work 1",
            "disconnect: no answer to a ping",
            "connect 2",
            "work 2",
            "work 3"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_token_of_an_ended_link_reaches_nothing() {
    let (linked, log) = linked(None);
    let client = linked.start().await.unwrap();
    let first = client.token().await.unwrap().expect("connected");
    client.drop_link().await.unwrap();
    settle().await;
    let second = client.token().await.unwrap().expect("connected again");
    // The first link ended: neither its token nor a clone reaches the
    // second.
    first.lost("the first link's token");
    first.clone().lost("a clone of it");
    settle().await;
    assert_eq!(client.work(Duration::ZERO, 7).await.unwrap(), 7);
    assert_eq!(
        entries(&log),
        ["connect 1", "disconnect: dropped", "connect 2", "work 7"]
    );
    second.lost("the second link's token");
    settle().await;
    assert_eq!(
        entries(&log)[4..],
        ["disconnect: the second link's token", "connect 3"]
    );
}

#[tokio::test(start_paused = true)]
async fn only_the_first_report_of_a_link_is_delivered() {
    let (linked, log) = linked(None);
    let client = linked.start().await.unwrap();
    let token = client.token().await.unwrap().expect("connected");
    token.lost("first report");
    token.clone().lost("second report");
    settle().await;
    assert_eq!(
        entries(&log),
        ["connect 1", "disconnect: first report", "connect 2"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_connect_that_backs_off_ties_nothing_to_the_next_link() {
    let (linked, log) = linked(Some(Duration::from_millis(50)));
    let client = linked.start().await.unwrap();
    sleep(Duration::from_millis(11)).await;
    assert_eq!(entries(&log), ["backoff 1", "connect 2"]);
    // Neither the failed attempt's token nor its watch (ending at 50 ms)
    // reaches the second link.
    let token = client.failed_attempts_token().await.unwrap();
    token
        .expect("made by the attempt")
        .lost("the failed attempt's token");
    sleep(Duration::from_millis(50)).await;
    assert_eq!(client.work(Duration::ZERO, 1).await.unwrap(), 1);
    assert_eq!(entries(&log), ["backoff 1", "connect 2", "work 1"]);
}

#[tokio::test(start_paused = true)]
async fn a_token_of_a_stopped_connection_does_nothing() {
    let (linked, log) = linked(None);
    let client = linked.start().await.unwrap();
    let token = client.token().await.unwrap().expect("connected");
    client.stop(connection::Stop::Normal).await.expect("stops");
    token.lost("after the stop");
    settle().await;
    assert_eq!(entries(&log), ["connect 1"]);
}
