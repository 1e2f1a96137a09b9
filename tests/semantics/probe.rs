//! A connection whose callbacks record what they are given in a shared log and
//! return what the test scripted: the `EvalConn` of the original's suite.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connection::{
    Attempt, CallError, Client, Connect, Context, Disconnect, Init, Options, ReplyTo, StartError,
    Stop, connection,
};
use tokio::sync::Notify;

/// What a call, cast, info or idle handler does besides logging.
#[derive(Debug)]
pub enum Action {
    Nothing,
    Connect(&'static str),
    Disconnect(&'static str),
    Stop(Stop),
    Idle(Duration),
    Sleep(Duration),
    /// Blocks the thread (what a handler must not do).
    Block(Duration),
    Panic,
    Sequence(Vec<Action>),
    /// Sends itself `Chain(n - 1)` as an info: the mailbox never empties
    /// until the chain ends.
    Chain(u32),
}

/// The disconnect info: a plain reason, or a deferred reply to answer.
#[derive(Debug)]
pub enum Why {
    Plain(&'static str),
    Reply(ReplyTo<&'static str>),
}

/// The shared log of callbacks, in order.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    pub fn contains(&self, entry: &str) -> bool {
        self.0.lock().unwrap().iter().any(|e| e == entry)
    }

    pub fn count(&self, entry: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| *e == entry)
            .count()
    }
}

pub struct Probe {
    pub log: Log,
    pub init: Option<Init<&'static str>>,
    pub init_delay: Option<Duration>,
    pub init_panics: bool,
    /// Results of successive `connect` calls; `Connect::Ok` once empty.
    pub connects: VecDeque<Connect>,
    /// Results of successive `disconnect` calls; `NoConnect` once empty.
    pub disconnects: VecDeque<Disconnect<&'static str>>,
    /// Idle timeout armed by the next `connect`.
    pub connect_idle: Option<Duration>,
    /// When set, `connect` waits for a permit before it returns.
    pub connect_gate: Option<Arc<Notify>>,
    pub connect_panics: bool,
    pub disconnect_panics: bool,
    pub terminate_panics: bool,
    /// When set, `terminate` never returns.
    pub terminate_hangs: bool,
    pub deferred: Vec<ReplyTo<u32>>,
    pub calls: u32,
}

impl Probe {
    pub fn new(log: &Log) -> Self {
        Probe {
            log: log.clone(),
            init: None,
            init_delay: None,
            init_panics: false,
            connects: VecDeque::new(),
            disconnects: VecDeque::new(),
            connect_idle: None,
            connect_gate: None,
            connect_panics: false,
            disconnect_panics: false,
            terminate_panics: false,
            terminate_hangs: false,
            deferred: Vec::new(),
            calls: 0,
        }
    }

    pub fn with_init(mut self, init: Init<&'static str>) -> Self {
        self.init = Some(init);
        self
    }

    pub fn with_connects(mut self, results: impl IntoIterator<Item = Connect>) -> Self {
        self.connects = results.into_iter().collect();
        self
    }

    pub fn with_disconnects(
        mut self,
        results: impl IntoIterator<Item = Disconnect<&'static str>>,
    ) -> Self {
        self.disconnects = results.into_iter().collect();
        self
    }

    /// Starts with `Init::Ok` (no connect), so a test begins from a quiet state.
    pub async fn start_idle(log: &Log) -> ProbeClient {
        Probe::new(log).with_init(Init::Ok).start().await.unwrap()
    }

    fn act(&mut self, action: Action, ctx: &mut Context<Self>) {
        match action {
            Action::Nothing | Action::Sleep(_) => {}
            Action::Block(duration) => std::thread::sleep(duration),
            Action::Connect(info) => ctx.connect(info),
            Action::Disconnect(why) => ctx.disconnect(Why::Plain(why)),
            Action::Stop(reason) => ctx.stop(reason),
            Action::Idle(after) => ctx.idle_timeout(after),
            Action::Panic => panic!("probe panicked on request"),
            Action::Chain(0) => {}
            Action::Chain(n) => {
                ctx.info_sender().try_send(Action::Chain(n - 1)).unwrap();
            }
            Action::Sequence(actions) => {
                for action in actions {
                    self.act(action, ctx);
                }
            }
        }
    }
}

#[connection]
impl Probe {
    #[init]
    async fn init(&mut self) -> Init<&'static str> {
        self.log.push("init");
        if let Some(delay) = self.init_delay {
            tokio::time::sleep(delay).await;
        }
        assert!(!self.init_panics, "init panicked");
        self.init.take().unwrap_or(Init::Connect("init"))
    }

    #[connect]
    async fn connect(
        &mut self,
        attempt: Attempt<&'static str>,
        ctx: &mut Context<Self>,
    ) -> Connect {
        match attempt {
            Attempt::Requested(info) => self.log.push(format!("connect:{info}")),
            Attempt::Backoff => self.log.push("connect:backoff"),
        }
        if let Some(gate) = &self.connect_gate {
            gate.notified().await;
            self.log.push("connect:done");
        }
        assert!(!self.connect_panics, "connect panicked");
        if let Some(after) = self.connect_idle.take() {
            ctx.idle_timeout(after);
        }
        self.connects.pop_front().unwrap_or(Connect::Ok)
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<&'static str> {
        match why {
            Why::Plain(why) => self.log.push(format!("disconnect:{why}")),
            Why::Reply(reply) => {
                self.log.push("disconnect:reply");
                let _ = reply.send("closed");
            }
        }
        assert!(!self.disconnect_panics, "disconnect panicked");
        self.disconnects
            .pop_front()
            .unwrap_or(Disconnect::NoConnect)
    }

    /// Logs `call:<tag>`, performs `action`, returns how many calls came so far.
    #[call]
    async fn ask(&mut self, tag: &'static str, action: Action, ctx: &mut Context<Self>) -> u32 {
        self.log.push(format!("call:{tag}"));
        if let Action::Sleep(duration) = action {
            tokio::time::sleep(duration).await;
        }
        self.act(action, ctx);
        self.calls += 1;
        self.calls
    }

    /// Answers later, when `release` is cast.
    #[call]
    async fn defer(&mut self, reply: ReplyTo<u32>) {
        self.log.push("defer");
        self.deferred.push(reply);
    }

    /// Drops the reply unused.
    #[call]
    async fn forget(&mut self, reply: ReplyTo<u32>) {
        self.log.push("forget");
        drop(reply);
    }

    /// Closes: the reply travels in the disconnect info.
    #[call]
    async fn close(&mut self, reply: ReplyTo<&'static str>, ctx: &mut Context<Self>) {
        self.log.push("close");
        ctx.disconnect(Why::Reply(reply));
    }

    #[cast]
    async fn release(&mut self, value: u32) {
        self.log.push(format!("release:{value}"));
        for reply in self.deferred.drain(..) {
            let _ = reply.send(value);
        }
    }

    /// Logs `cast:<tag>` and performs `action`.
    #[cast]
    async fn note(&mut self, tag: &'static str, action: Action, ctx: &mut Context<Self>) {
        self.log.push(format!("cast:{tag}"));
        self.act(action, ctx);
    }

    #[info]
    async fn on_info(&mut self, message: Action, ctx: &mut Context<Self>) {
        self.log.push(format!("info:{message:?}"));
        self.act(message, ctx);
    }

    #[timeout]
    async fn on_idle(&mut self) {
        self.log.push("idle");
    }

    #[terminate]
    async fn terminate(&mut self, reason: &Stop) {
        // Yield first, so a reply sent too early would reach its caller
        // before this entry is logged.
        tokio::task::yield_now().await;
        self.log.push(format!("terminate:{reason}"));
        assert!(!self.terminate_panics, "terminate panicked");
        if self.terminate_hangs {
            std::future::pending::<()>().await;
        }
    }
}

/// Lets every task that can run, run (the clock is paused in these tests, so
/// this advances no timer that is not already due).
pub(crate) async fn settle() {
    for _ in 0..16 {
        tokio::task::yield_now().await;
    }
}

/// A barrier: when it returns, everything queued before it was handled.
pub(crate) async fn barrier(client: &ProbeClient, tag: &'static str) -> Result<u32, CallError> {
    client.ask(tag, Action::Nothing).await
}

pub(crate) async fn start(probe: Probe) -> Result<ProbeClient, StartError> {
    probe.start_with(Options::default()).await
}

/// The generic client type is reachable from the generated one.
pub(crate) fn generic(client: &ProbeClient) -> &Client<Probe> {
    client.as_ref()
}

/// Keeps the probe's handler busy for `busy`, from another task.
pub(crate) fn busy_for(
    client: &ProbeClient,
    tag: &'static str,
    busy: Duration,
) -> tokio::task::JoinHandle<Result<u32, CallError>> {
    let client = client.clone();
    tokio::spawn(async move { client.ask(tag, Action::Sleep(busy)).await })
}
