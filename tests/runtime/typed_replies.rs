//! Typed replies from the connection: `ReplyTo::map` converts a pipeline's
//! response (or any value) into what the caller waits for, and
//! `#[call(flatten)]` gives the caller the handler's `Result<T, E>` itself,
//! a failed call as an `E`.

use std::time::Duration;

use connection::pipeline::{LinkError, Pipeline, Respond};
use connection::{Attempt, CallError, Connect, Context, Disconnect, ReplyTo, connection};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::task::JoinSet;
use tokio_util::codec::LinesCodec;

/// What a call of the counter can fail with.
#[derive(Debug)]
enum CountError {
    NotANumber(String),
    Link(LinkError),
    Call(CallError),
}

impl From<CallError> for CountError {
    fn from(error: CallError) -> Self {
        CountError::Call(error)
    }
}

/// A response that must be a number.
fn number(line: Result<String, LinkError>) -> Result<u64, CountError> {
    let line = line.map_err(CountError::Link)?;
    line.parse().map_err(|_| CountError::NotANumber(line))
}

struct Counter {
    link: Pipeline<LinesCodec>,
    link_end: Option<DuplexStream>,
    local: u32,
}

#[connection]
impl Counter {
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

    /// Asks the server to count `what`: a typed command, one handler.
    #[call(flatten)]
    async fn count(&mut self, what: String, reply: ReplyTo<Result<u64, CountError>>) {
        self.link
            .send(format!("COUNT {what}"), reply.map(number))
            .await;
    }

    /// Answered by the handler itself.
    #[call(flatten)]
    async fn local(&mut self, add: u32) -> Result<u32, CountError> {
        self.local += add;
        Ok(self.local)
    }

    /// Never answers: the reply is dropped.
    #[call(flatten)]
    async fn forget(&mut self, reply: ReplyTo<Result<u64, CountError>>) {
        drop(reply.map(number));
    }

    /// Answers after a long while.
    #[call(flatten)]
    async fn slow(&mut self) -> Result<(), CountError> {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok(())
    }

    /// The response line as it is: a plain `ReplyTo`.
    #[call]
    async fn raw(&mut self, what: String, reply: ReplyTo<Result<String, LinkError>>) {
        self.link.send(format!("COUNT {what}"), reply).await;
    }

    /// Through a closure: a responder type of its own.
    #[call(flatten)]
    async fn doubled(&mut self, what: String, reply: ReplyTo<Result<u64, CountError>>) {
        let doubled = reply.map(|line: Result<String, LinkError>| number(line).map(|n| n * 2));
        self.link.send(format!("COUNT {what}"), doubled).await;
    }

    /// Through a `Respond` of the user's own.
    #[call]
    async fn tally(&mut self, what: String, reply: ReplyTo<String>) {
        self.link.send(format!("COUNT {what}"), Tally(reply)).await;
    }

    #[flush]
    async fn flush(&mut self) {
        self.link.flush().await;
    }
}

/// A responder written by hand: the response, or the error's text.
struct Tally(ReplyTo<String>);

impl Respond<String> for Tally {
    fn respond(self, response: Result<String, LinkError>) {
        let _ = self
            .0
            .send(response.unwrap_or_else(|error| format!("error: {error}")));
    }

    fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

/// Answers `COUNT <word>` with the word's length, and `COUNT ?` with a
/// word; closes on `COUNT bye`.
async fn serve(server: DuplexStream) {
    let (reader, mut writer) = tokio::io::split(server);
    let mut lines = BufReader::new(reader).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let word = line.trim_start_matches("COUNT ");
        let answer = match word {
            "bye" => return,
            "?" => "many".to_owned(),
            word => word.len().to_string(),
        };
        if writer
            .write_all(format!("{answer}\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Reads `requests` lines, answers the first `answered` of them as `serve`
/// does, then closes with the rest unanswered.
async fn serve_then_close(server: DuplexStream, requests: usize, answered: usize) {
    let (reader, mut writer) = tokio::io::split(server);
    let mut lines = BufReader::new(reader).lines();
    let mut words = Vec::new();
    while words.len() < requests {
        let Ok(Some(line)) = lines.next_line().await else {
            return;
        };
        words.push(line.trim_start_matches("COUNT ").len());
    }
    for length in &words[..answered] {
        writer
            .write_all(format!("{length}\n").as_bytes())
            .await
            .unwrap();
    }
}

async fn counter() -> CounterClient {
    counter_serving(serve).await
}

async fn counter_serving<S, F>(server: S) -> CounterClient
where
    S: FnOnce(DuplexStream) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let (link, server_end) = tokio::io::duplex(1024);
    tokio::spawn(server(server_end));
    Counter {
        link: Pipeline::new(LinesCodec::new()),
        link_end: Some(link),
        local: 0,
    }
    .start()
    .await
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_typed_command_answers_with_the_converted_response() {
    let client = counter().await;
    // The caller gets `Result<u64, CountError>`: no `??`.
    let count: u64 = client.count("four".to_owned()).await.unwrap();
    assert_eq!(count, 4);
    match client.count("?".to_owned()).await {
        Err(CountError::NotANumber(line)) => assert_eq!(line, "many"),
        other => panic!("{other:?}"),
    }
}

/// One of each kind of responder, for a word of `length` letters; each
/// checks it got its own request's response, or the link's end.
async fn ask_each_kind(client: CounterClient, length: usize, answered: bool) {
    let word = "x".repeat(length);
    let expected = length as u64;
    let (count, raw, doubled, tally) = tokio::join!(
        client.count(word.clone()),
        client.raw(word.clone()),
        client.doubled(word.clone()),
        client.tally(word.clone()),
    );
    if answered {
        assert_eq!(count.unwrap(), expected);
        assert_eq!(raw.unwrap().unwrap(), length.to_string());
        assert_eq!(doubled.unwrap(), 2 * expected);
        assert_eq!(tally.unwrap(), length.to_string());
    } else {
        assert!(
            matches!(count, Err(CountError::Link(LinkError::Closed))),
            "{count:?}"
        );
        assert!(matches!(raw, Ok(Err(LinkError::Closed))), "{raw:?}");
        assert!(
            matches!(doubled, Err(CountError::Link(LinkError::Closed))),
            "{doubled:?}"
        );
        assert_eq!(tally.unwrap(), format!("error: {}", LinkError::Closed));
    }
}

#[tokio::test(start_paused = true)]
async fn responders_of_many_types_in_flight_get_their_own_responses() {
    let client = counter().await;
    // Interleaved across the four kinds, many in flight at once: a response
    // given to another kind's caller, or out of order, shows as a wrong
    // length.
    let mut callers = JoinSet::new();
    for length in 1..=12 {
        callers.spawn(ask_each_kind(client.clone(), length, true));
    }
    // A caller's failed assertion panics here.
    callers.join_all().await;
}

#[tokio::test(start_paused = true)]
async fn a_link_that_ends_fails_each_kind_of_responder_still_in_flight() {
    // Twenty requests written, the first eight answered (two of each kind),
    // then the peer closes: the rest get the link's end, each kind its own
    // way, and no answered caller gets another's response.
    let client = counter_serving(|server| serve_then_close(server, 20, 8)).await;
    let mut callers = JoinSet::new();
    for length in 1..=2 {
        callers.spawn(ask_each_kind(client.clone(), length, true));
    }
    // The first eight written before the others are sent.
    tokio::time::sleep(Duration::from_millis(1)).await;
    for length in 3..=5 {
        callers.spawn(ask_each_kind(client.clone(), length, false));
    }
    // A caller's failed assertion panics here.
    callers.join_all().await;
}

#[tokio::test(start_paused = true)]
async fn a_link_error_reaches_the_caller_through_the_conversion() {
    let client = counter().await;
    match client.count("bye".to_owned()).await {
        Err(CountError::Link(LinkError::Closed)) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_call_is_the_handler_s_error_type() {
    let client = counter().await;
    assert_eq!(client.local(2).await.unwrap(), 2);
    match client.forget().await {
        Err(CountError::Call(CallError::NoReply)) => {}
        other => panic!("{other:?}"),
    }
    match client.with_timeout(Duration::from_secs(1)).slow().await {
        Err(CountError::Call(CallError::Timeout)) => {}
        other => panic!("{other:?}"),
    }
    let stopped = counter().await;
    stopped.stop(connection::Stop::Normal).await.unwrap();
    match stopped.local(1).await {
        Err(CountError::Call(CallError::Stopped(_))) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_mapped_reply_converts_what_it_is_sent() {
    let (reply, answer) = connection_pair();
    let reply = reply.map(|text: &str| text.len());
    assert!(!reply.is_closed());
    reply.send("three").unwrap();
    assert_eq!(answer(), Some(5));
}

/// A `ReplyTo` outside a connection, through a one-handler connection.
fn connection_pair() -> (ReplyTo<usize>, impl FnOnce() -> Option<usize>) {
    let (to, from) = std::sync::mpsc::channel();
    let reply = Keep::reply_to(to);
    (reply, move || from.recv().ok())
}

/// Hands a handler's `ReplyTo` to the test.
struct Keep;

impl Keep {
    fn reply_to(answers: std::sync::mpsc::Sender<usize>) -> ReplyTo<usize> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (handed, mut reply) = tokio::sync::mpsc::unbounded_channel();
        let client = runtime.block_on(async { Keep.start().await.unwrap() });
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let _ = answers.send(client.keep(handed).await.unwrap());
            });
        });
        reply.blocking_recv().unwrap()
    }
}

#[connection]
impl Keep {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _info: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn keep(
        &mut self,
        handed: tokio::sync::mpsc::UnboundedSender<ReplyTo<usize>>,
        reply: ReplyTo<usize>,
    ) {
        let _ = handed.send(reply);
    }
}
