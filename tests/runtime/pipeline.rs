//! `connection::pipeline` over in-memory links (`tokio::io::duplex`): the
//! test plays the server. Answers in order under concurrency, one write per
//! drained batch (up to `max_batch` requests), every caller answered when the link ends (closed, failed,
//! undecodable, unexpected, dropped by a disconnect, a stop), the in-flight
//! bound, encode errors, and a handshake in `connect`.

use std::io;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use connection::pipeline::{LinkError, Pipeline};
use connection::{
    Attempt, Backoff, CallError, Connect, Context, Disconnect, Options, ReplyTo, Stop, connection,
};
use tokio::io::{
    AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream, ReadBuf,
};
use tokio::sync::mpsc;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder, LinesCodec, LinesCodecError};

use crate::line_peer::LinePeer;

/// A link that counts the writes made to it.
struct Counted {
    inner: DuplexStream,
    writes: Arc<AtomicUsize>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = written
            && n > 0
        {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Lines, refusing to encode a request with a line break in it.
#[derive(Clone)]
struct OneLine(LinesCodec);

impl Encoder<String> for OneLine {
    type Error = LinesCodecError;

    fn encode(&mut self, line: String, dst: &mut BytesMut) -> Result<(), LinesCodecError> {
        if line.contains('\n') {
            return Err(LinesCodecError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a line break inside a request",
            )));
        }
        self.0.encode(line, dst)
    }
}

impl Decoder for OneLine {
    type Item = String;
    type Error = LinesCodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<String>, LinesCodecError> {
        self.0.decode(src)
    }
}

/// Why the link went down.
#[derive(Debug)]
enum Why {
    Lost(LinkError),
    Asked,
}

/// A line client whose links come from the test.
struct LineClient {
    link: Pipeline<OneLine>,
    links: mpsc::UnboundedReceiver<Counted>,
    events: mpsc::UnboundedSender<String>,
    /// Sent in `connect` and awaited there: a handshake.
    hello: Option<String>,
}

#[connection]
impl LineClient {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        let Ok(link) = self.links.try_recv() else {
            return Connect::Backoff(Duration::from_millis(100));
        };
        self.link.attach(link, ctx, Why::Lost);
        if let Some(hello) = self.hello.clone() {
            match self.link.request(hello).await {
                Ok(answer) => {
                    let _ = self.events.send(format!("hello:{answer}"));
                }
                Err(error) => {
                    let _ = self.events.send(format!("hello failed:{error}"));
                    self.link.detach();
                    return Connect::Backoff(Duration::from_millis(100));
                }
            }
        }
        let _ = self.events.send("connect".to_owned());
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<()> {
        let event = match why {
            Why::Lost(error) => format!("disconnect:Lost({error:?})"),
            Why::Asked => "disconnect:Asked".to_owned(),
        };
        let _ = self.events.send(event);
        self.link.detach();
        Disconnect::Connect(())
    }

    #[call]
    async fn ask(&mut self, line: String, reply: ReplyTo<Result<String, LinkError>>) {
        self.link.send(line, reply).await;
    }

    #[cast]
    async fn drop_link(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect(Why::Asked);
    }

    #[flush]
    async fn flush(&mut self) {
        self.link.flush().await;
    }
}

/// The server's end of one link, and the writes the client made to it.
struct Peer {
    link: LinePeer,
    writes: Arc<AtomicUsize>,
}

impl std::ops::Deref for Peer {
    type Target = LinePeer;

    fn deref(&self) -> &LinePeer {
        &self.link
    }
}

impl std::ops::DerefMut for Peer {
    fn deref_mut(&mut self) -> &mut LinePeer {
        &mut self.link
    }
}

impl Peer {
    fn echo(self) -> tokio::task::JoinHandle<()> {
        self.link.echo()
    }
}

struct Setup {
    client: LineClientClient,
    links: mpsc::UnboundedSender<Counted>,
    events: mpsc::UnboundedReceiver<String>,
}

impl Setup {
    fn peer(&self) -> Peer {
        let (client_end, server_end) = tokio::io::duplex(64 * 1024);
        let writes = Arc::new(AtomicUsize::new(0));
        self.links
            .send(Counted {
                inner: client_end,
                writes: writes.clone(),
            })
            .unwrap();
        Peer {
            link: LinePeer::new(server_end),
            writes,
        }
    }

    async fn event(&mut self) -> String {
        self.events.recv().await.unwrap()
    }
}

async fn start(pipeline: Pipeline<OneLine>, hello: Option<&str>) -> (Setup, Peer) {
    let (links, links_rx) = mpsc::unbounded_channel();
    let (events_tx, events) = mpsc::unbounded_channel();
    let (client_end, server_end) = tokio::io::duplex(64 * 1024);
    let writes = Arc::new(AtomicUsize::new(0));
    links
        .send(Counted {
            inner: client_end,
            writes: writes.clone(),
        })
        .unwrap();
    let client = LineClient {
        link: pipeline,
        links: links_rx,
        events: events_tx,
        hello: hello.map(str::to_owned),
    }
    .start_with(Options::default())
    .await
    .unwrap();
    let peer = Peer {
        link: LinePeer::new(server_end),
        writes,
    };
    (
        Setup {
            client,
            links,
            events,
        },
        peer,
    )
}

fn lines() -> Pipeline<OneLine> {
    Pipeline::new(OneLine(LinesCodec::new()))
}

#[tokio::test]
async fn concurrent_callers_each_get_their_own_answer_in_order() {
    let (setup, peer) = start(lines(), None).await;
    let echo = peer.echo();
    let tasks: Vec<_> = (0..100)
        .map(|caller| {
            let client = setup.client.clone();
            tokio::spawn(async move {
                for n in 0..50 {
                    let line = format!("{caller}-{n}");
                    let answer = client.ask(line.clone()).await.unwrap().unwrap();
                    assert_eq!(answer, format!("echo:{line}"));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    drop(setup);
    echo.await.unwrap();
}

/// `callers` callers, all queued before the connection runs, each
/// answered in order: how many writes their requests took.
async fn writes_for_one_batch(pipeline: Pipeline<OneLine>, callers: usize) -> usize {
    let (setup, mut peer) = start(pipeline, None).await;
    let calls: Vec<_> = (0..callers)
        .map(|n| {
            let client = setup.client.clone();
            tokio::spawn(async move { client.ask(format!("{n}")).await })
        })
        .collect();
    for n in 0..callers {
        assert_eq!(peer.line().await, format!("{n}"));
    }
    let writes = peer.writes.load(Ordering::Relaxed);
    for n in 0..callers {
        peer.say(&format!("answer {n}")).await;
    }
    for (n, call) in calls.into_iter().enumerate() {
        assert_eq!(call.await.unwrap().unwrap().unwrap(), format!("answer {n}"));
    }
    writes
}

#[tokio::test(start_paused = true)]
async fn requests_of_one_batch_go_out_in_one_write() {
    assert_eq!(writes_for_one_batch(lines(), 64).await, 1);
}

#[tokio::test(start_paused = true)]
async fn a_batch_is_written_every_max_batch_requests() {
    // 64 by default: 100 requests in two writes, 64 and 36.
    assert_eq!(writes_for_one_batch(lines(), 100).await, 2);
    let ten = NonZeroUsize::new(10).unwrap();
    assert_eq!(writes_for_one_batch(lines().max_batch(ten), 95).await, 10);
    // Unbounded in requests: the byte bound alone (and the runtime's flush
    // every 128 events).
    let unbounded = NonZeroUsize::new(usize::MAX).unwrap();
    assert_eq!(
        writes_for_one_batch(lines().max_batch(unbounded), 120).await,
        1
    );
}

#[tokio::test(start_paused = true)]
async fn a_buffer_past_the_write_boundary_is_written_before_the_batch_ends() {
    let (setup, mut peer) = start(lines().write_boundary(100), None).await;
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = setup.client.clone();
            tokio::spawn(async move { client.ask("x".repeat(19)).await })
        })
        .collect();
    for _ in 0..50 {
        assert_eq!(peer.line().await.len(), 19);
    }
    // 20 bytes a request: a write every 5 requests.
    assert_eq!(peer.writes.load(Ordering::Relaxed), 10);
    drop(calls);
}

#[tokio::test(start_paused = true)]
async fn when_the_peer_closes_every_caller_in_flight_gets_the_error_and_disconnect_runs() {
    let (mut setup, mut peer) = start(lines(), None).await;
    assert_eq!(setup.event().await, "connect");
    let calls: Vec<_> = (0..10)
        .map(|n| {
            let client = setup.client.clone();
            tokio::spawn(async move { client.ask(format!("{n}")).await })
        })
        .collect();
    for n in 0..10 {
        assert_eq!(peer.line().await, format!("{n}"));
    }
    peer.say("answer 0").await;
    let next = setup.peer();
    drop(peer);
    let mut calls = calls.into_iter();
    assert_eq!(
        calls.next().unwrap().await.unwrap().unwrap().unwrap(),
        "answer 0"
    );
    for call in calls {
        let error = call.await.unwrap().unwrap().unwrap_err();
        assert!(matches!(error, LinkError::Closed), "{error:?}");
    }
    assert_eq!(setup.event().await, "disconnect:Lost(Closed)");
    // Reconnected on the next link, which works.
    assert_eq!(setup.event().await, "connect");
    let echo = next.echo();
    assert_eq!(
        setup.client.ask("again".into()).await.unwrap().unwrap(),
        "echo:again"
    );
    drop(setup);
    echo.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_disconnect_answers_every_caller_in_flight_with_detached() {
    let (mut setup, mut peer) = start(lines(), None).await;
    assert_eq!(setup.event().await, "connect");
    let calls: Vec<_> = (0..3)
        .map(|n| {
            let client = setup.client.clone();
            tokio::spawn(async move { client.ask(format!("{n}")).await })
        })
        .collect();
    for _ in 0..3 {
        peer.line().await;
    }
    setup.client.drop_link().await.unwrap();
    for call in calls {
        let error = call.await.unwrap().unwrap().unwrap_err();
        assert!(matches!(error, LinkError::Detached), "{error:?}");
    }
    assert_eq!(setup.event().await, "disconnect:Asked");
    // The old link is closed.
    assert_eq!(peer.lines.next_line().await.unwrap(), None);
    // No link to connect to yet: requests are refused, not written.
    let error = setup.client.ask("down".into()).await.unwrap().unwrap_err();
    assert!(matches!(error, LinkError::NotConnected), "{error:?}");
    assert!(error.is_unsent());
    assert!(
        setup.events.try_recv().is_err(),
        "the old link's end is not a second disconnect"
    );
}

#[tokio::test(start_paused = true)]
async fn bytes_that_do_not_decode_end_the_link_with_an_error_not_a_panic() {
    let pipeline = Pipeline::new(OneLine(LinesCodec::new_with_max_length(16)));
    let (mut setup, mut peer) = start(pipeline, None).await;
    assert_eq!(setup.event().await, "connect");
    let call = tokio::spawn({
        let client = setup.client.clone();
        async move { client.ask("q".into()).await }
    });
    peer.line().await;
    let next = setup.peer();
    peer.say(&"z".repeat(100)).await;
    let error = call.await.unwrap().unwrap().unwrap_err();
    assert!(matches!(error, LinkError::Decode(_)), "{error:?}");
    assert!(!error.is_unsent());
    assert!(setup.event().await.starts_with("disconnect:Lost(Decode("));
    assert_eq!(setup.event().await, "connect");
    let echo = next.echo();
    assert_eq!(
        setup.client.ask("fine".into()).await.unwrap().unwrap(),
        "echo:fine"
    );
    drop(setup);
    echo.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_frame_nobody_asked_for_ends_the_link() {
    let (mut setup, mut peer) = start(lines(), None).await;
    assert_eq!(setup.event().await, "connect");
    peer.say("unasked").await;
    assert_eq!(setup.event().await, "disconnect:Lost(Unexpected)");
}

#[tokio::test(start_paused = true)]
async fn a_failed_write_ends_the_link_and_answers_the_callers() {
    let (mut setup, peer) = start(lines(), None).await;
    assert_eq!(setup.event().await, "connect");
    // The server's end is gone: the write fails (a broken pipe).
    drop(peer);
    let error = setup.client.ask("lost".into()).await.unwrap().unwrap_err();
    assert!(
        matches!(error, LinkError::Io(_) | LinkError::Closed),
        "{error:?}"
    );
    let event = setup.event().await;
    assert!(event.starts_with("disconnect:Lost("), "{event}");
}

#[tokio::test(start_paused = true)]
async fn past_the_in_flight_bound_requests_wait_for_a_response() {
    let pipeline = lines().max_in_flight(NonZeroUsize::new(2).unwrap());
    let (setup, mut peer) = start(pipeline, None).await;
    let calls: Vec<_> = (0..5)
        .map(|n| {
            let client = setup.client.clone();
            tokio::spawn(async move { client.ask(format!("{n}")).await })
        })
        .collect();
    assert_eq!(peer.line().await, "0");
    assert_eq!(peer.line().await, "1");
    // Nothing more is written until a response frees a place.
    let third = tokio::time::timeout(Duration::from_secs(1), peer.line()).await;
    assert!(third.is_err(), "a third request went out: {third:?}");
    peer.say("a0").await;
    assert_eq!(peer.line().await, "2");
    for (n, answer) in ["a1", "a2"].iter().enumerate() {
        peer.say(answer).await;
        assert_eq!(peer.line().await, format!("{}", n + 3));
    }
    peer.say("a3").await;
    peer.say("a4").await;
    for (n, call) in calls.into_iter().enumerate() {
        assert_eq!(call.await.unwrap().unwrap().unwrap(), format!("a{n}"));
    }
}

#[tokio::test(start_paused = true)]
async fn a_request_that_does_not_encode_fails_alone() {
    let (setup, peer) = start(lines(), None).await;
    let echo = peer.echo();
    let error = setup
        .client
        .ask("two\nlines".into())
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(error, LinkError::Encode(_)), "{error:?}");
    assert!(error.is_unsent());
    assert_eq!(
        setup.client.ask("one".into()).await.unwrap().unwrap(),
        "echo:one"
    );
    drop(setup);
    echo.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_stop_answers_every_caller_in_flight_with_the_reason() {
    let (setup, mut peer) = start(lines(), None).await;
    let call = tokio::spawn({
        let client = setup.client.clone();
        async move { client.ask("q".into()).await }
    });
    peer.line().await;
    setup.client.stop(Stop::shutdown("done")).await.unwrap();
    let error = call.await.unwrap().unwrap_err();
    assert!(
        matches!(&error, CallError::Stopped(Stop::Shutdown(Some(why))) if why == "done"),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn connect_can_wait_for_a_handshake_on_the_new_link() {
    let (mut setup, mut peer) = start(lines(), Some("HELLO")).await;
    assert_eq!(peer.line().await, "HELLO");
    peer.say("WELCOME").await;
    assert_eq!(setup.event().await, "hello:WELCOME");
    assert_eq!(setup.event().await, "connect");
    let echo = peer.echo();
    assert_eq!(
        setup.client.ask("after".into()).await.unwrap().unwrap(),
        "echo:after"
    );
    drop(setup);
    echo.await.unwrap();
}

/// A line client over TCP, its `#[connect]` all `connect_tcp`; counts its
/// connect attempts.
struct TcpLines {
    addr: std::net::SocketAddr,
    link: Pipeline<LinesCodec>,
    attempts: Arc<AtomicUsize>,
}

#[connection]
impl TcpLines {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        self.link.connect_tcp(self.addr, ctx, |lost| lost).await
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

    #[flush]
    async fn flush(&mut self) {
        self.link.flush().await;
    }
}

/// A loopback address nobody listens on (a port just freed).
async fn closed_port() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// Waits (without asserting how long it takes) until `done`.
async fn until(mut done: impl FnMut() -> bool) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("the condition never held");
}

#[tokio::test]
async fn connect_tcp_backs_off_until_the_server_listens_then_attaches() {
    let addr = closed_port().await;
    let attempts = Arc::new(AtomicUsize::new(0));
    let every_5_ms = || Backoff::from_fn(|| std::iter::repeat(Duration::from_millis(5)));
    let client = TcpLines {
        addr,
        link: Pipeline::new(LinesCodec::new()),
        attempts: attempts.clone(),
    }
    .start_with(Options::default().backoff(every_5_ms))
    .await
    .unwrap();
    // Refused, and tried again after the backoff's delay.
    until(|| attempts.load(Ordering::Relaxed) >= 2).await;
    assert!(!client.is_connected());
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (reader, mut writer) = socket.into_split();
        let mut lines = BufReader::new(reader).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            writer
                .write_all(format!("{line}!\n").as_bytes())
                .await
                .unwrap();
        }
    });
    until(|| client.is_connected()).await;
    assert_eq!(client.ask("hi".to_owned()).await.unwrap().unwrap(), "hi!");
}

#[tokio::test]
async fn connect_tcp_stops_with_the_error_once_the_backoff_gives_up() {
    let never_again = || Backoff::from_fn(std::iter::empty);
    let client = TcpLines {
        addr: closed_port().await,
        link: Pipeline::new(LinesCodec::new()),
        attempts: Arc::default(),
    }
    .start_with(Options::default().backoff(never_again))
    .await
    .unwrap();
    match client.stopped().await {
        Stop::Error(error) => {
            let io = error
                .downcast_ref::<io::Error>()
                .expect("the connect's error");
            assert_eq!(io.kind(), io::ErrorKind::ConnectionRefused);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn requests_in_flight_count_in_the_load_and_a_lost_link_is_the_last_failure() {
    let (mut setup, mut peer) = start(lines(), None).await;
    assert_eq!(setup.event().await, "connect");
    let generic: connection::Client<LineClient> = setup.client.as_ref().clone();
    // Asking once starts the publishing.
    assert_eq!(generic.load(), 0);
    let calls: Vec<_> = (0..5)
        .map(|n| {
            let client = setup.client.clone();
            tokio::spawn(async move { client.ask(format!("{n}")).await })
        })
        .collect();
    for n in 0..5 {
        assert_eq!(peer.line().await, format!("{n}"));
    }
    assert_eq!(generic.load(), 5, "written, not answered");
    peer.say("answer 0").await;
    peer.say("answer 1").await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(generic.load(), 3);
    assert!(generic.last_failure().is_none(), "connected");

    // The peer closes with three in flight; no next link yet.
    drop(peer);
    assert_eq!(setup.event().await, "disconnect:Lost(Closed)");
    // Once the disconnect is done (the next connect is 100 ms away).
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(generic.load(), 0);
    let failure = generic.last_failure().expect("why the link is down");
    assert!(
        matches!(failure.downcast_ref::<LinkError>(), Some(LinkError::Closed)),
        "the pipeline's own error, not the disconnect info's Debug: {failure}"
    );
    for call in calls {
        let _ = call.await.unwrap();
    }

    // Connected again: no failure to report.
    let next = setup.peer();
    assert_eq!(setup.event().await, "connect");
    assert!(generic.last_failure().is_none());
    drop(next);
}
