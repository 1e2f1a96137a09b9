//! `#[flush]`: handlers buffer, and the runtime calls `flush` once the mailbox
//! is drained (or after 128 events without a pause), before a connect,
//! disconnect or stop that follows them, and never for a connection without
//! one. The original's ordering stays: replies before transitions, a
//! requested transition before the next message.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use connection::{
    Attempt, CallError, Connect, Connection, Context, Disconnect, Init, Stop, connection,
};

use crate::probe::{Log, Probe, settle};

/// What a handler does after buffering its bytes.
#[derive(Debug)]
pub enum Then {
    Nothing,
    Disconnect,
    Reconnect,
    Stop,
    Idle(Duration),
}

/// A connection that buffers what it is given and writes the buffer out in
/// `flush`, onto the current link: `links` records what each link received.
struct Wire {
    log: Log,
    buffer: String,
    /// What each link received, one entry per write; a new entry per connect.
    links: Arc<Mutex<Vec<Vec<String>>>>,
    connected: bool,
    flush_panics: bool,
    flush_disconnects: bool,
}

impl Wire {
    fn new(log: &Log, links: &Arc<Mutex<Vec<Vec<String>>>>) -> Self {
        Wire {
            log: log.clone(),
            buffer: String::new(),
            links: links.clone(),
            connected: false,
            flush_panics: false,
            flush_disconnects: false,
        }
    }

    fn then(&mut self, then: Then, ctx: &mut Context<Self>) {
        match then {
            Then::Nothing => {}
            Then::Disconnect => ctx.disconnect("asked"),
            Then::Reconnect => ctx.connect("asked"),
            Then::Stop => ctx.stop(Stop::shutdown("asked")),
            Then::Idle(after) => ctx.idle_timeout(after),
        }
    }
}

#[connection]
impl Wire {
    #[init]
    async fn init(&mut self) -> Init<&'static str> {
        Init::Connect("init")
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<&'static str>) -> Connect {
        self.log.push("connect");
        if let Attempt::Requested("fail") = attempt {
            return Connect::Backoff(Duration::from_secs(1));
        }
        self.links.lock().unwrap().push(Vec::new());
        self.connected = true;
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: &'static str) -> Disconnect<&'static str> {
        self.log.push(format!("disconnect:{why}"));
        self.connected = false;
        // Whatever was not flushed is lost with the link: say so.
        if !self.buffer.is_empty() {
            self.log.push(format!("lost:{}", self.buffer));
            self.buffer.clear();
        }
        Disconnect::NoConnect
    }

    /// Buffers `data`.
    #[cast]
    async fn write(&mut self, data: &'static str, then: Then, ctx: &mut Context<Self>) {
        self.log.push(format!("write:{data}"));
        self.buffer.push_str(data);
        self.then(then, ctx);
    }

    /// Buffers `data` and answers with the buffer's length.
    #[call]
    async fn ask(&mut self, data: &'static str, then: Then, ctx: &mut Context<Self>) -> usize {
        self.log.push(format!("ask:{data}"));
        self.buffer.push_str(data);
        self.then(then, ctx);
        self.buffer.len()
    }

    /// Held while disconnected, run after the next connect.
    #[cast(when_disconnected = queue)]
    async fn queued(&mut self, data: &'static str) {
        self.log.push(format!("queued:{data}"));
        self.buffer.push_str(data);
    }

    /// Asks for a connect.
    #[cast]
    async fn reconnect(&mut self, info: &'static str, ctx: &mut Context<Self>) {
        ctx.connect(info);
    }

    /// A keepalive: the idle timeout buffers a ping.
    #[timeout]
    async fn on_idle(&mut self) {
        self.log.push("idle");
        self.buffer.push_str("ping");
    }

    #[flush]
    async fn flush(&mut self, ctx: &mut Context<Self>) {
        self.log.push(format!("flush:{}", self.buffer));
        assert!(!self.flush_panics, "flush panicked");
        if self.buffer.is_empty() {
            return;
        }
        if !self.connected {
            self.log.push(format!("lost:{}", self.buffer));
            self.buffer.clear();
            return;
        }
        let written = std::mem::take(&mut self.buffer);
        self.links.lock().unwrap().last_mut().unwrap().push(written);
        if self.flush_disconnects {
            ctx.disconnect("flush failed");
        }
    }

    #[terminate]
    async fn terminate(&mut self, reason: &Stop) {
        self.log.push(format!("terminate:{reason}"));
    }
}

/// `request` polled once: sent into the mailbox, its reply still to come.
async fn sent<F: Future + Unpin>(mut request: F) -> F {
    poll_fn(|cx| {
        assert!(
            Pin::new(&mut request).poll(cx).is_pending(),
            "answered at once"
        );
        Poll::Ready(())
    })
    .await;
    request
}

fn setup() -> (Log, Arc<Mutex<Vec<Vec<String>>>>) {
    (Log::default(), Arc::default())
}

fn flushes(log: &Log) -> Vec<String> {
    log.entries()
        .into_iter()
        .filter(|entry| entry.starts_with("flush:"))
        .collect()
}

// Only a block with a `#[flush]` handler flushes (checked at compile time).
const _: () = assert!(<Wire as Connection>::FLUSHES);
const _: () = assert!(!<Probe as Connection>::FLUSHES);

#[tokio::test(start_paused = true)]
async fn requests_queued_together_are_flushed_once_when_the_mailbox_is_drained() {
    let (log, links) = setup();
    let client = Wire::new(&log, &links).start().await.unwrap();
    // Queued before the connection runs: connect, then 50 writes, then one
    // flush for all of them.
    for _ in 0..50 {
        client.write("x", Then::Nothing).await.unwrap();
    }
    settle().await;
    assert_eq!(links.lock().unwrap().clone(), vec![vec!["x".repeat(50)]]);
    let entries = log.entries();
    assert_eq!(entries.first().map(String::as_str), Some("connect"));
    assert_eq!(entries.last(), Some(&format!("flush:{}", "x".repeat(50))));
    assert_eq!(flushes(&log).len(), 1, "{entries:?}");

    // Later requests make a flush of their own; an idle connection none.
    assert_eq!(client.ask("y", Then::Nothing).await.unwrap(), 1);
    settle().await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        links.lock().unwrap().clone(),
        vec![vec!["x".repeat(50), "y".to_owned()]]
    );
    assert_eq!(flushes(&log).len(), 2, "{:?}", log.entries());
}

#[tokio::test(start_paused = true)]
async fn a_caller_answered_in_a_batch_can_add_to_it_before_the_flush() {
    let (log, links) = setup();
    let client = Wire::new(&log, &links).start().await.unwrap();
    client.ask("a", Then::Nothing).await.unwrap();
    settle().await;
    // One caller asking again as soon as it is answered: the connection
    // yields once on the drained mailbox before flushing, so each next
    // request joins the batch of the one before and each write carries two.
    let caller = tokio::spawn(async move {
        for _ in 0..10 {
            client.ask("z", Then::Nothing).await.unwrap();
        }
        client
    });
    let _client = caller.await.unwrap();
    settle().await;
    let mut expected = vec!["a"];
    expected.extend(["zz"; 5]);
    assert_eq!(links.lock().unwrap().clone(), vec![expected]);
}

#[tokio::test(start_paused = true)]
async fn a_mailbox_that_never_runs_dry_is_flushed_every_128_events() {
    let (log, links) = setup();
    let client = Wire::new(&log, &links).start().await.unwrap();
    for _ in 0..300 {
        client.write("x", Then::Nothing).await.unwrap();
    }
    settle().await;
    // Checked when a batch (32 here) is done: the connect and 128 writes,
    // 128 more, then the rest once the mailbox is empty.
    let sizes: Vec<usize> = links.lock().unwrap()[0].iter().map(String::len).collect();
    assert_eq!(sizes, [128, 128, 44]);
}

#[tokio::test(start_paused = true)]
async fn a_requested_disconnect_runs_after_the_flush_and_the_reply_before_both() {
    let (log, links) = setup();
    let client = Wire::new(&log, &links).start().await.unwrap();
    client.write("a", Then::Nothing).await.unwrap();
    let asked = sent(Box::pin(client.ask("b", Then::Disconnect))).await;
    // Queued behind the disconnect request: handled after it.
    client.write("c", Then::Nothing).await.unwrap();
    assert_eq!(asked.await.unwrap(), 2);
    settle().await;
    let entries = log.entries();
    let position = |entry: &str| entries.iter().position(|e| e == entry).unwrap();
    assert!(position("ask:b") < position("flush:ab"), "{entries:?}");
    assert!(
        position("flush:ab") < position("disconnect:asked"),
        "{entries:?}"
    );
    assert!(
        position("disconnect:asked") < position("write:c"),
        "{entries:?}"
    );
    // What was buffered before the disconnect went out on the old link,
    // nothing twice; `c` came after it, with no link to take it.
    assert_eq!(links.lock().unwrap().clone(), vec![vec!["ab".to_owned()]]);
    assert!(log.contains("lost:c"), "{entries:?}");
}

#[tokio::test(start_paused = true)]
async fn nothing_is_written_twice_or_lost_across_a_reconnect() {
    let (log, links) = setup();
    let client = Wire::new(&log, &links).start().await.unwrap();
    client.write("1", Then::Nothing).await.unwrap();
    client.write("2", Then::Reconnect).await.unwrap();
    client.write("3", Then::Nothing).await.unwrap();
    client.write("4", Then::Nothing).await.unwrap();
    settle().await;
    assert_eq!(
        links.lock().unwrap().clone(),
        vec![vec!["12".to_owned()], vec!["34".to_owned()]]
    );
    assert!(!log.entries().iter().any(|e| e.starts_with("lost:")));
}

#[tokio::test(start_paused = true)]
async fn requests_held_while_disconnected_are_flushed_once_on_the_new_link() {
    let (log, links) = setup();
    let client = Wire::new(&log, &links).start().await.unwrap();
    client.write("", Then::Disconnect).await.unwrap();
    settle().await;
    for data in ["a", "b", "c"] {
        client.queued(data).await.unwrap();
    }
    settle().await;
    assert!(!log.contains("queued:a"), "held while down");
    client.reconnect("again").await.unwrap();
    settle().await;
    assert_eq!(
        links.lock().unwrap().clone(),
        vec![vec![], vec!["abc".to_owned()]]
    );
    // One flush for the three held requests together, after them.
    let entries = log.entries();
    let tail: Vec<&str> = entries
        .iter()
        .rev()
        .take(5)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        ["connect", "queued:a", "queued:b", "queued:c", "flush:abc"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_stop_flushes_before_terminate_and_answers_after_it() {
    let (log, links) = setup();
    let client = Wire::new(&log, &links).start().await.unwrap();
    client.write("a", Then::Nothing).await.unwrap();
    assert_eq!(client.ask("b", Then::Stop).await.unwrap(), 2);
    let entries = log.entries();
    let tail: Vec<&str> = entries
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(tail, ["flush:ab", "terminate:shutdown: asked"]);
    assert_eq!(links.lock().unwrap().clone(), vec![vec!["ab".to_owned()]]);
}

#[tokio::test(start_paused = true)]
async fn casts_sent_before_the_last_client_is_dropped_are_flushed() {
    let (log, links) = setup();
    let client = Wire::new(&log, &links).start().await.unwrap();
    let stopped = client.as_ref().clone();
    client.write("a", Then::Nothing).await.unwrap();
    client.write("b", Then::Nothing).await.unwrap();
    drop(client);
    drop(stopped);
    settle().await;
    let entries = log.entries();
    let tail: Vec<&str> = entries
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(tail, ["flush:ab", "terminate:normal"], "{entries:?}");
    assert_eq!(links.lock().unwrap().clone(), vec![vec!["ab".to_owned()]]);
}

#[tokio::test(start_paused = true)]
async fn what_the_idle_timeout_buffers_is_flushed() {
    let (log, links) = setup();
    let client = Wire::new(&log, &links).start().await.unwrap();
    client
        .write("", Then::Idle(Duration::from_secs(10)))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(11)).await;
    settle().await;
    assert!(log.contains("idle"));
    assert_eq!(links.lock().unwrap().clone(), vec![vec!["ping".to_owned()]]);
}

#[tokio::test(start_paused = true)]
async fn a_disconnect_requested_by_flush_runs_before_the_next_message() {
    let (log, links) = setup();
    let mut wire = Wire::new(&log, &links);
    wire.flush_disconnects = true;
    let client = wire.start().await.unwrap();
    client.write("a", Then::Nothing).await.unwrap();
    settle().await;
    client.write("b", Then::Nothing).await.unwrap();
    settle().await;
    let entries = log.entries();
    let position = |entry: &str| entries.iter().position(|e| e == entry).unwrap();
    assert!(
        position("flush:a") < position("disconnect:flush failed"),
        "{entries:?}"
    );
    assert!(
        position("disconnect:flush failed") < position("write:b"),
        "{entries:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_flush_stops_the_connection_without_a_second_flush() {
    let (log, links) = setup();
    let mut wire = Wire::new(&log, &links);
    wire.flush_panics = true;
    let client = wire.start().await.unwrap();
    client.write("a", Then::Nothing).await.unwrap();
    let reason = client.stopped().await;
    assert!(
        matches!(reason, Stop::Panic(ref message) if message == "flush panicked"),
        "{reason:?}"
    );
    assert_eq!(flushes(&log).len(), 1, "{:?}", log.entries());
    assert!(
        log.contains("terminate:panic: flush panicked"),
        "{:?}",
        log.entries()
    );
    assert!(matches!(
        client.write("b", Then::Nothing).await,
        Err(CallError::Stopped(Stop::Panic(_)))
    ));
}
