//! Links that die without a word, and the window between a link's loss and
//! `disconnect`: over in-memory links (`tokio::io::duplex`) and tokio's
//! paused clock, the test playing the server.
//!
//! - a peer that goes silent with requests in flight is found by the
//!   response deadline (`LinkError::Unresponsive`), under steady traffic
//!   too, and the client reconnects;
//! - the keepalive finds a link that died while idle;
//! - a write that the peer never takes is given up;
//! - requests queued behind a lost link meet the `when_disconnected` policy,
//!   not the dead link;
//! - a block without `#[flush]` writes each request at once, and one whose
//!   `#[flush]` never flushes is warned of.
//! - a greeting in `connect` that the peer never answers, or that it closes
//!   the link on, backs off, and that dead link takes nothing down later.

#[path = "support/line_peer.rs"]
mod line_peer;

use std::sync::{Mutex, Once};
use std::time::Duration;

use connection::pipeline::{LinkError, Pipeline};
use connection::{Attempt, CallError, Connect, Context, Disconnect, Options, ReplyTo, connection};
use tokio::io::DuplexStream;
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use tokio_util::codec::LinesCodec;

use crate::line_peer::LinePeer;

const DEADLINE: Duration = Duration::from_secs(1);

/// A line client whose links come from the test, with a request for each
/// `when_disconnected` policy and one that keeps the connection busy.
struct Lines2 {
    link: Pipeline<LinesCodec>,
    links: mpsc::UnboundedReceiver<DuplexStream>,
    events: mpsc::UnboundedSender<String>,
    /// `hold` waits for this.
    release: std::sync::Arc<Notify>,
}

#[connection]
impl Lines2 {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        let Ok(link) = self.links.try_recv() else {
            return Connect::Backoff(Duration::from_millis(100));
        };
        self.link.attach(link, ctx, |lost| lost);
        let _ = self.events.send("connect".to_owned());
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, lost: LinkError) -> Disconnect<()> {
        let _ = self.events.send(format!("disconnect: {lost:?}"));
        self.link.detach();
        Disconnect::Connect(())
    }

    /// Runs while disconnected: meets the pipeline without a link.
    #[call]
    async fn ask(&mut self, line: String, reply: ReplyTo<Result<String, LinkError>>) {
        self.link.send(line, reply).await;
    }

    #[call(when_disconnected = queue)]
    async fn ask_queued(&mut self, line: String, reply: ReplyTo<Result<String, LinkError>>) {
        self.link.send(line, reply).await;
    }

    #[call(when_disconnected = reject)]
    async fn ask_rejected(&mut self, line: String, reply: ReplyTo<Result<String, LinkError>>) {
        self.link.send(line, reply).await;
    }

    /// Keeps the connection busy until the test releases it.
    #[call]
    async fn hold(&mut self) {
        self.release.notified().await;
    }

    #[flush]
    async fn flush(&mut self) {
        self.link.flush().await;
    }
}

/// The server's end of one link.
struct Peer(LinePeer);

impl std::ops::Deref for Peer {
    type Target = LinePeer;

    fn deref(&self) -> &LinePeer {
        &self.0
    }
}

impl std::ops::DerefMut for Peer {
    fn deref_mut(&mut self) -> &mut LinePeer {
        &mut self.0
    }
}

impl Peer {
    /// `client` asks `line`; this peer reads it and, `after` later, answers
    /// `answer`. The answer the client got.
    async fn answer(
        &mut self,
        client: &Lines2Client,
        line: &str,
        answer: &str,
        after: Duration,
    ) -> String {
        let ask = client.ask(line.to_owned());
        let respond = async {
            assert_eq!(self.line().await, line);
            tokio::time::sleep(after).await;
            self.say(answer).await;
        };
        let (asked, ()) = tokio::join!(ask, respond);
        asked.unwrap().unwrap()
    }

    fn echo(self) -> tokio::task::JoinHandle<()> {
        self.0.echo()
    }
}

struct Setup {
    client: Lines2Client,
    links: mpsc::UnboundedSender<DuplexStream>,
    events: mpsc::UnboundedReceiver<String>,
    release: std::sync::Arc<Notify>,
}

impl Setup {
    /// The next link the client connects on, `capacity` bytes each way.
    fn peer_with(&self, capacity: usize) -> Peer {
        let (client_end, server_end) = tokio::io::duplex(capacity);
        self.links.send(client_end).unwrap();
        Peer(LinePeer::new(server_end))
    }

    fn peer(&self) -> Peer {
        self.peer_with(64 * 1024)
    }

    async fn event(&mut self) -> String {
        self.events.recv().await.unwrap()
    }
}

async fn start(link: Pipeline<LinesCodec>) -> Setup {
    let (links, links_rx) = mpsc::unbounded_channel();
    let (events_tx, events) = mpsc::unbounded_channel();
    let release = std::sync::Arc::new(Notify::new());
    let client = Lines2 {
        link,
        links: links_rx,
        events: events_tx,
        release: release.clone(),
    }
    .start_with(Options::default())
    .await
    .unwrap();
    Setup {
        client,
        links,
        events,
        release,
    }
}

fn lines() -> Pipeline<LinesCodec> {
    Pipeline::new(LinesCodec::new()).response_timeout(DEADLINE)
}

fn is_unresponsive(error: &LinkError) -> bool {
    matches!(error, LinkError::Unresponsive { timeout } if *timeout == DEADLINE)
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_goes_silent_is_found_and_replaced() {
    let mut setup = start(lines()).await;
    let mut silent = setup.peer();
    assert_eq!(setup.event().await, "connect");
    let sent = Instant::now();
    let call = tokio::spawn({
        let client = setup.client.clone();
        async move { client.ask("lost".to_owned()).await }
    });
    // The peer takes the request and never answers.
    assert_eq!(silent.line().await, "lost");
    let error = call.await.unwrap().unwrap().unwrap_err();
    assert!(is_unresponsive(&error), "{error:?}");
    assert!(!error.is_unsent());
    assert_eq!(Instant::now() - sent, DEADLINE);
    assert_eq!(
        setup.event().await,
        format!("disconnect: Unresponsive {{ timeout: {DEADLINE:?} }}")
    );
    // A new link, and requests get through again.
    let _echo = setup.peer().echo();
    assert_eq!(setup.event().await, "connect");
    assert_eq!(
        setup.client.ask("back".to_owned()).await.unwrap().unwrap(),
        "echo:back"
    );
    drop(silent);
}

#[tokio::test(start_paused = true)]
async fn steady_traffic_does_not_hide_a_silent_peer() {
    let mut setup = start(lines()).await;
    let mut peer = setup.peer();
    assert_eq!(setup.event().await, "connect");
    // Answered at first; then silent while a request comes every 100 ms.
    let first = peer.answer(&setup.client, "1", "one", Duration::ZERO).await;
    assert_eq!(first, "one");
    let oldest_sent = Instant::now();
    let mut calls = Vec::new();
    for n in 0..30 {
        let client = setup.client.clone();
        calls.push(tokio::spawn(async move {
            (client.ask(format!("{n}")).await, Instant::now())
        }));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Found by the oldest request's deadline, not after the traffic stops.
    for call in calls {
        let (answer, at) = call.await.unwrap();
        let error = answer.unwrap().unwrap_err();
        assert!(is_unresponsive(&error) || error.is_unsent(), "{error:?}");
        if is_unresponsive(&error) {
            assert_eq!(at - oldest_sent, DEADLINE);
        }
    }
    assert!(setup.event().await.starts_with("disconnect: Unresponsive"));
    drop(peer);
}

#[tokio::test(start_paused = true)]
async fn the_keepalive_finds_a_link_that_died_while_idle() {
    let interval = Duration::from_secs(10);
    let mut setup = start(lines().keepalive(interval, "PING")).await;
    let mut peer = setup.peer();
    assert_eq!(setup.event().await, "connect");
    let attached = Instant::now();
    // Idle: a ping after the interval; answered, the link stays.
    assert_eq!(peer.line().await, "PING");
    assert_eq!(Instant::now() - attached, interval);
    peer.say("PONG").await;
    // A request after it gets its own answer, not the ping's.
    let answer = peer
        .answer(&setup.client, "a", "echo:a", Duration::ZERO)
        .await;
    assert_eq!(answer, "echo:a");
    let answered = Instant::now();
    // The next ping goes unanswered: the link is dropped within the
    // interval plus the deadline.
    assert_eq!(peer.line().await, "PING");
    assert_eq!(Instant::now() - answered, interval);
    assert_eq!(
        setup.event().await,
        format!("disconnect: Unresponsive {{ timeout: {DEADLINE:?} }}")
    );
    assert_eq!(Instant::now() - answered, interval + DEADLINE);
}

#[tokio::test(start_paused = true)]
async fn a_write_the_peer_never_takes_is_given_up() {
    let mut setup = start(lines()).await;
    // 64 bytes each way, and the peer never reads.
    let peer = setup.peer_with(64);
    assert_eq!(setup.event().await, "connect");
    let long = "x".repeat(4096);
    let error = setup.client.ask(long).await.unwrap().unwrap_err();
    assert!(is_unresponsive(&error), "{error:?}");
    assert!(setup.event().await.starts_with("disconnect: Unresponsive"));
    // The connection is not stuck in the write: it reconnects and answers.
    let _echo = setup.peer().echo();
    assert_eq!(setup.event().await, "connect");
    assert_eq!(
        setup.client.ask("b".to_owned()).await.unwrap().unwrap(),
        "echo:b"
    );
    drop(peer);
}

/// What a caller of `Lines2` gets.
type Answer = Result<Result<String, LinkError>, CallError>;

/// Closes the link while the connection is busy and `queue` requests of
/// one kind wait in its mailbox; then lets the connection go on.
async fn lose_the_link_under_queued_requests(
    which: fn(&Lines2Client, String) -> tokio::task::JoinHandle<Answer>,
) -> (Setup, Vec<Answer>) {
    let mut setup = start(lines()).await;
    let peer = setup.peer();
    assert_eq!(setup.event().await, "connect");
    let busy = tokio::spawn({
        let client = setup.client.clone();
        async move { client.hold().await }
    });
    tokio::time::sleep(Duration::from_millis(1)).await;
    let calls: Vec<_> = (0..10)
        .map(|n| which(&setup.client, format!("{n}")))
        .collect();
    // The peer closes; the reader finds out while the requests wait.
    drop(peer);
    tokio::time::sleep(Duration::from_millis(1)).await;
    setup.release.notify_one();
    busy.await.unwrap().unwrap();
    // The next link comes before the reconnect's backoff (100 ms) fires.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let _echo = setup.peer().echo();
    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.unwrap());
    }
    assert_eq!(setup.event().await, "disconnect: Closed");
    (setup, answers)
}

#[tokio::test(start_paused = true)]
async fn requests_queued_behind_a_lost_link_are_held_under_queue() {
    let (_setup, answers) = lose_the_link_under_queued_requests(|client, line| {
        let client = client.clone();
        tokio::spawn(async move { client.ask_queued(line).await })
    })
    .await;
    for (n, answer) in answers.into_iter().enumerate() {
        assert_eq!(answer.unwrap().unwrap(), format!("echo:{n}"));
    }
}

#[tokio::test(start_paused = true)]
async fn requests_queued_behind_a_lost_link_are_refused_under_reject() {
    let (_setup, answers) = lose_the_link_under_queued_requests(|client, line| {
        let client = client.clone();
        tokio::spawn(async move { client.ask_rejected(line).await })
    })
    .await;
    for answer in answers {
        assert!(matches!(answer, Err(CallError::NotConnected)), "{answer:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn requests_queued_behind_a_lost_link_run_unsent_under_run() {
    let (_setup, answers) = lose_the_link_under_queued_requests(|client, line| {
        let client = client.clone();
        tokio::spawn(async move { client.ask(line).await })
    })
    .await;
    for answer in answers {
        let error = answer.unwrap().unwrap_err();
        assert!(matches!(error, LinkError::NotConnected), "{error:?}");
        assert!(error.is_unsent());
    }
}

/// A one-link line client named `$name`, with the handlers given after it
/// (a `#[flush]`, or none).
macro_rules! one_link_client {
    ($(#[$doc:meta])* $name:ident { $($handlers:tt)* }) => {
        $(#[$doc])*
        struct $name {
            link: Pipeline<LinesCodec>,
            link_end: Option<DuplexStream>,
        }

        #[connection]
        impl $name {
            #[connect]
            async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
                if let Some(link) = self.link_end.take() {
                    self.link.attach(link, ctx, |lost| lost);
                }
                Connect::Ok
            }

            #[disconnect]
            async fn disconnect(&mut self, _lost: LinkError) -> Disconnect<()> {
                self.link.detach();
                Disconnect::NoConnect
            }

            #[call]
            async fn ask(&mut self, line: String, reply: ReplyTo<Result<String, LinkError>>) {
                self.link.send(line, reply).await;
            }

            $($handlers)*
        }
    };
}

one_link_client! {
    /// A block without `#[flush]`.
    Unflushed {}
}

one_link_client! {
    /// A block whose `#[flush]` forgets to flush.
    Forgetful {
        #[flush]
        async fn flush(&mut self) {}
    }
}

fn echo_peer(server_end: DuplexStream) -> tokio::task::JoinHandle<()> {
    LinePeer::new(server_end).echo()
}

#[tokio::test(start_paused = true)]
async fn without_flush_each_request_is_written_at_once() {
    let (client_end, server_end) = tokio::io::duplex(1024);
    let _echo = echo_peer(server_end);
    let client = Unflushed {
        link: lines(),
        link_end: Some(client_end),
    }
    .start()
    .await
    .unwrap();
    let started = Instant::now();
    assert_eq!(
        client.ask("hi".to_owned()).await.unwrap().unwrap(),
        "echo:hi"
    );
    // Answered at once, not at a deadline or a timeout.
    assert_eq!(Instant::now(), started);
}

/// Every warning logged in this binary.
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct WarningsSink;

impl tracing::Subscriber for WarningsSink {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= tracing::Level::WARN
    }
    fn new_span(&self, _span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _span: &tracing::span::Id, _values: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _span: &tracing::span::Id, _follows: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                use std::fmt::Write;
                let _ = write!(self.0, "{}={value:?} ", field.name());
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        WARNINGS.lock().unwrap().push(message.0);
    }
    fn enter(&self, _span: &tracing::span::Id) {}
    fn exit(&self, _span: &tracing::span::Id) {}
}

#[cfg(debug_assertions)]
#[tokio::test(start_paused = true)]
async fn a_flush_that_never_flushes_is_warned_of() {
    static INIT: Once = Once::new();
    INIT.call_once(|| tracing::subscriber::set_global_default(WarningsSink).unwrap());
    let (client_end, _server_end) = tokio::io::duplex(1024);
    let client = Forgetful {
        link: lines(),
        link_end: Some(client_end),
    }
    .start()
    .await
    .unwrap();
    let error = client.ask("lost".to_owned()).await.unwrap().unwrap_err();
    // Never written: the deadline ends the link...
    assert!(is_unresponsive(&error), "{error:?}");
    // ...and the connection said why as soon as it waited.
    let warnings = WARNINGS.lock().unwrap();
    let warned = warnings
        .iter()
        .filter(|warning| warning.contains("call `Pipeline::flush`"))
        .count();
    assert_eq!(warned, 1, "{warnings:?}");
    assert!(warnings.iter().any(|warning| warning.contains("Forgetful")));
}

#[tokio::test(start_paused = true)]
async fn the_keepalive_counts_from_the_last_response_even_below_the_deadline() {
    // The interval is shorter than the response deadline: after a request,
    // the ping still comes one interval after its response.
    let interval = Duration::from_millis(100);
    let mut setup = start(lines().keepalive(interval, "PING")).await;
    let mut peer = setup.peer();
    assert_eq!(setup.event().await, "connect");
    let answer = peer
        .answer(&setup.client, "a", "echo:a", Duration::from_millis(30))
        .await;
    assert_eq!(answer, "echo:a");
    let answered = Instant::now();
    assert_eq!(peer.line().await, "PING");
    assert_eq!(Instant::now() - answered, interval);
}

/// A line client that greets each link (`hello`) in `connect` and backs off
/// when the greeting fails.
struct Greeting {
    link: Pipeline<LinesCodec>,
    links: mpsc::UnboundedReceiver<DuplexStream>,
    events: mpsc::UnboundedSender<String>,
}

#[connection]
impl Greeting {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        let Ok(link) = self.links.try_recv() else {
            return Connect::Backoff(Duration::from_millis(100));
        };
        self.link.attach(link, ctx, |lost| lost);
        match self.link.request("hello".to_owned()).await {
            Ok(_) => {
                let _ = self.events.send("connect".to_owned());
                Connect::Ok
            }
            Err(error) => {
                let _ = self.events.send(format!("greeting failed: {error:?}"));
                Connect::Backoff(Duration::from_millis(100))
            }
        }
    }

    #[disconnect]
    async fn disconnect(&mut self, lost: LinkError) -> Disconnect<()> {
        let _ = self.events.send(format!("disconnect: {lost:?}"));
        self.link.detach();
        Disconnect::Connect(())
    }

    #[call]
    async fn ask(&mut self, line: String, reply: ReplyTo<Result<String, LinkError>>) {
        self.link.send(line, reply).await;
    }
}

/// Starts a `Greeting` whose first link's peer is `first` (the rest of its
/// life up to the test) and whose second echoes; returns the client and its
/// events once the second link is up.
async fn greeting_after(
    first: impl FnOnce(LinePeer) -> tokio::task::JoinHandle<()>,
) -> (GreetingClient, Vec<String>) {
    let (links, links_rx) = mpsc::unbounded_channel();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (client_end, server_end) = tokio::io::duplex(64 * 1024);
    links.send(client_end).unwrap();
    let first = first(LinePeer::new(server_end));
    let (client_end, server_end) = tokio::io::duplex(64 * 1024);
    links.send(client_end).unwrap();
    let _second = LinePeer::new(server_end).echo();
    let client = Greeting {
        link: lines(),
        links: links_rx,
        events: events_tx,
    }
    .start()
    .await
    .unwrap();
    let mut seen = vec![events.recv().await.unwrap(), events.recv().await.unwrap()];
    // Long after: the first link, failed in `connect`, takes nothing down.
    tokio::time::sleep(DEADLINE * 5).await;
    while let Ok(event) = events.try_recv() {
        seen.push(event);
    }
    first.abort();
    (client, seen)
}

#[tokio::test(start_paused = true)]
async fn a_greeting_the_peer_never_answers_backs_off_and_leaves_the_next_link_alone() {
    let (client, events) = greeting_after(|mut peer| {
        tokio::spawn(async move {
            assert_eq!(peer.line().await, "hello");
            std::future::pending::<()>().await;
        })
    })
    .await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        events[0].starts_with("greeting failed: Unresponsive"),
        "{events:?}"
    );
    assert_eq!(events[1], "connect");
    assert_eq!(client.ask("x".into()).await.unwrap().unwrap(), "echo:x");
}

#[tokio::test(start_paused = true)]
async fn a_peer_closing_before_it_answers_the_greeting_backs_off_and_leaves_the_next_link_alone() {
    let (client, events) = greeting_after(|mut peer| {
        tokio::spawn(async move {
            assert_eq!(peer.line().await, "hello");
            // Gone without a word.
            drop(peer);
        })
    })
    .await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0], "greeting failed: Closed", "{events:?}");
    assert_eq!(events[1], "connect");
    assert_eq!(client.ask("x".into()).await.unwrap().unwrap(), "echo:x");
}
