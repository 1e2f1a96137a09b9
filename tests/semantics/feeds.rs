//! Timers (`ctx.send_after`) and attached streams (`ctx.attach`,
//! `ctx.attach_until_disconnect`) feeding the `#[info]` handler.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use connection::{Attachment, Attempt, Connect, Context, Disconnect, Init, Timer, connection};
use futures_core::Stream;
use tokio::sync::mpsc;
use tokio::time::sleep;

use crate::probe::settle;

/// A stream the test feeds by hand.
struct Feed(mpsc::UnboundedReceiver<u32>);

impl Stream for Feed {
    type Item = u32;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<u32>> {
        self.0.poll_recv(cx)
    }
}

enum Event {
    Tick(&'static str),
    Item(&'static str, u32),
    End(&'static str),
}

/// Attaches the next of `feeds` to each link it connects, scoped to it.
struct Feeder {
    log: Arc<Mutex<Vec<String>>>,
    feeds: VecDeque<mpsc::UnboundedReceiver<u32>>,
    timers: Vec<Timer>,
    lasting: Option<Attachment>,
}

impl Feeder {
    fn log(&self, entry: String) {
        self.log.lock().unwrap().push(entry);
    }
}

#[connection]
impl Feeder {
    #[init]
    async fn init(&mut self) -> Init<()> {
        Init::Ok
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        self.log("connect".into());
        if let Some(feed) = self.feeds.pop_front() {
            ctx.attach_until_disconnect(Feed(feed), |n| Event::Item("link", n), Event::End("link"));
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        self.log("disconnect".into());
        Disconnect::Connect(())
    }

    #[info]
    async fn on_event(&mut self, event: Event) {
        self.log(match event {
            Event::Tick(name) => format!("Tick({name:?})"),
            Event::Item(source, n) => format!("Item({source:?}, {n})"),
            Event::End(source) => format!("End({source:?})"),
        });
    }

    /// Starts a timer.
    #[call]
    async fn tick_after(&mut self, name: &'static str, after: Duration, ctx: &mut Context<Self>) {
        let timer = ctx.send_after(Event::Tick(name), after);
        self.timers.push(timer);
    }

    /// Cancels every timer; returns how many were pending.
    #[call]
    async fn cancel_all(&mut self, ctx: &mut Context<Self>) -> usize {
        self.timers
            .drain(..)
            .filter(|timer| ctx.cancel_timer(*timer))
            .count()
    }

    /// Starts a timer, stays busy until it has fired, then cancels it.
    #[call]
    async fn cancel_after_fire(&mut self, ctx: &mut Context<Self>) -> bool {
        let timer = ctx.send_after(Event::Tick("late"), Duration::from_millis(10));
        sleep(Duration::from_millis(50)).await;
        ctx.cancel_timer(timer)
    }

    /// Attaches a stream that outlives disconnects.
    #[call]
    async fn attach_lasting(
        &mut self,
        feed: mpsc::UnboundedReceiver<u32>,
        ctx: &mut Context<Self>,
    ) {
        let attachment = ctx.attach(
            Feed(feed),
            |n| Event::Item("lasting", n),
            Event::End("lasting"),
        );
        self.lasting = Some(attachment);
    }

    /// Attaches a stream whose mapping panics on 13.
    #[call]
    async fn attach_fragile(
        &mut self,
        feed: mpsc::UnboundedReceiver<u32>,
        ctx: &mut Context<Self>,
    ) {
        ctx.attach(
            Feed(feed),
            |n| {
                assert_ne!(n, 13, "unlucky");
                Event::Item("fragile", n)
            },
            Event::End("fragile"),
        );
    }

    /// Watches the link with a future that panics `after` from now.
    #[call]
    async fn watch_fragile(&mut self, after: Duration, ctx: &mut Context<Self>) {
        ctx.disconnect_when(async move {
            sleep(after).await;
            if after > Duration::ZERO {
                panic!("the watch failed");
            }
        });
    }

    #[call]
    async fn detach_lasting(&mut self, ctx: &mut Context<Self>) -> bool {
        self.lasting
            .take()
            .is_some_and(|attachment| ctx.detach(attachment))
    }

    /// Stays busy (while the link's stream queues items), then disconnects.
    #[call]
    async fn busy_then_disconnect(&mut self, busy: Duration, ctx: &mut Context<Self>) {
        sleep(busy).await;
        ctx.disconnect(());
    }

    #[call]
    async fn connect_now(&mut self, ctx: &mut Context<Self>) {
        ctx.connect(());
    }
}

type Log = Arc<Mutex<Vec<String>>>;

/// A feeder with `feeds` link streams, their senders, and its log.
fn feeder(feeds: usize) -> (Feeder, Vec<mpsc::UnboundedSender<u32>>, Log) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (senders, receivers): (Vec<_>, VecDeque<_>) =
        (0..feeds).map(|_| mpsc::unbounded_channel()).unzip();
    let feeder = Feeder {
        log: log.clone(),
        feeds: receivers,
        timers: Vec::new(),
        lasting: None,
    };
    (feeder, senders, log)
}

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

#[tokio::test(start_paused = true)]
async fn send_after_delivers_its_info_after_the_delay() {
    let (feeder, _feeds, log) = feeder(0);
    let client = feeder.start().await.unwrap();
    client
        .tick_after("a", Duration::from_millis(100))
        .await
        .unwrap();
    sleep(Duration::from_millis(99)).await;
    assert!(entries(&log).is_empty());
    sleep(Duration::from_millis(2)).await;
    assert_eq!(entries(&log), ["Tick(\"a\")"]);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timer_never_delivers() {
    let (feeder, _feeds, log) = feeder(0);
    let client = feeder.start().await.unwrap();
    client
        .tick_after("a", Duration::from_millis(100))
        .await
        .unwrap();
    client
        .tick_after("b", Duration::from_millis(200))
        .await
        .unwrap();
    sleep(Duration::from_millis(150)).await;
    // "a" fired; only "b" was still pending.
    assert_eq!(client.cancel_all().await.unwrap(), 1);
    sleep(Duration::from_secs(1)).await;
    assert_eq!(entries(&log), ["Tick(\"a\")"]);
}

#[tokio::test(start_paused = true)]
async fn a_timer_cancelled_after_it_fired_but_before_its_info_was_handled_never_delivers() {
    let (feeder, _feeds, log) = feeder(0);
    let client = feeder.start().await.unwrap();
    assert!(client.cancel_after_fire().await.unwrap());
    sleep(Duration::from_secs(1)).await;
    assert!(entries(&log).is_empty(), "{:?}", entries(&log));
}

#[tokio::test(start_paused = true)]
async fn an_attached_stream_delivers_every_item_then_its_end() {
    let (feeder, _feeds, log) = feeder(0);
    let client = feeder.start().await.unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    client.attach_lasting(rx).await.unwrap();
    for n in 1..=3 {
        tx.send(n).unwrap();
    }
    drop(tx);
    settle().await;
    assert_eq!(
        entries(&log),
        [
            "Item(\"lasting\", 1)",
            "Item(\"lasting\", 2)",
            "Item(\"lasting\", 3)",
            "End(\"lasting\")"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_detached_stream_delivers_nothing_more() {
    let (feeder, _feeds, log) = feeder(0);
    let client = feeder.start().await.unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    client.attach_lasting(rx).await.unwrap();
    tx.send(1).unwrap();
    settle().await;
    assert!(client.detach_lasting().await.unwrap());
    let _ = tx.send(2);
    settle().await;
    assert_eq!(entries(&log), ["Item(\"lasting\", 1)"]);
}

#[tokio::test(start_paused = true)]
async fn no_item_of_a_stream_attached_before_a_disconnect_is_handled_after_it() {
    let (feeder, feeds, log) = feeder(2);
    let client = feeder.start().await.unwrap();
    client.connect_now().await.unwrap();
    feeds[0].send(1).unwrap();
    settle().await;

    // While the handler is busy, the old link's stream queues two items in
    // the mailbox; then the handler disconnects (and reconnects at once).
    let busy = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .busy_then_disconnect(Duration::from_millis(100))
                .await
        }
    });
    settle().await;
    feeds[0].send(2).unwrap();
    feeds[0].send(3).unwrap();
    settle().await;
    busy.await.unwrap().unwrap();

    feeds[1].send(10).unwrap();
    settle().await;
    // The old stream was dropped: its sender sees the receiver gone.
    assert!(feeds[0].send(4).is_err());
    assert_eq!(
        entries(&log),
        [
            "connect",
            "Item(\"link\", 1)",
            "disconnect",
            "connect",
            "Item(\"link\", 10)"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_stream_attached_with_attach_outlives_a_disconnect() {
    let (feeder, _feeds, log) = feeder(0);
    let client = feeder.start().await.unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    client.attach_lasting(rx).await.unwrap();
    client.busy_then_disconnect(Duration::ZERO).await.unwrap();
    tx.send(7).unwrap();
    settle().await;
    assert_eq!(
        entries(&log),
        ["disconnect", "connect", "Item(\"lasting\", 7)"]
    );
}

#[tokio::test(start_paused = true)]
async fn timers_and_streams_end_with_the_connection() {
    let (feeder, _feeds, log) = feeder(0);
    let client = feeder.start().await.unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    client.attach_lasting(rx).await.unwrap();
    client
        .tick_after("never", Duration::from_secs(1))
        .await
        .unwrap();
    client.stop(connection::Stop::Normal).await.unwrap();
    settle().await;
    assert!(tx.send(1).is_err(), "the stream was dropped");
    sleep(Duration::from_secs(2)).await;
    assert!(entries(&log).is_empty(), "{:?}", entries(&log));
}

/// The stop of `client`, or a failure if it does not come within a second.
async fn stop_of(client: &FeederClient) -> connection::Stop {
    tokio::time::timeout(Duration::from_secs(1), client.stopped())
        .await
        .expect("the connection stops")
}

#[tokio::test(start_paused = true)]
async fn a_stream_whose_mapping_panics_stops_the_connection_with_the_panic() {
    let (feeder, _feeds, log) = feeder(0);
    let client = feeder.start().await.unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    client.attach_fragile(rx).await.unwrap();
    tx.send(1).unwrap();
    settle().await;
    tx.send(13).unwrap();
    let stop = stop_of(&client).await;
    assert!(
        matches!(&stop, connection::Stop::Panic(message)
            if message.contains("`attach`") && message.contains("unlucky")),
        "{stop:?}"
    );
    assert!(entries(&log).contains(&r#"Item("fragile", 1)"#.to_owned()));
}

#[tokio::test(start_paused = true)]
async fn a_link_watch_that_panics_stops_the_connection_with_the_panic() {
    let (feeder, _feeds, _log) = feeder(0);
    let client = feeder.start().await.unwrap();
    client
        .watch_fragile(Duration::from_millis(10))
        .await
        .unwrap();
    // Until then the link stands.
    sleep(Duration::from_millis(5)).await;
    assert!(client.is_alive());
    let stop = stop_of(&client).await;
    assert!(
        matches!(&stop, connection::Stop::Panic(message)
            if message.contains("`disconnect_when`") && message.contains("the watch failed")),
        "{stop:?}"
    );
}
