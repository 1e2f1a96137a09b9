//! The same actor four ways: add a number to a counter and return it.
//!
//! - [`generated`]: a `#[connection]` block (and [`Untimed`], its client
//!   without a per-request timeout);
//! - [`handwritten`]: the canonical tokio actor (a `Clone` handle around an
//!   `mpsc::Sender<enum>`, a oneshot per call), as in Alice Ryhl's "Actors
//!   with Tokio";
//! - [`kameo_actor`]: kameo, `ask`/`tell`, a bounded mailbox;
//! - [`ractor_actor`]: ractor, `call`/`cast` (its mailbox is unbounded).
//!
//! Every mailbox that can be bounded holds [`CAPACITY`] messages.

use std::future::Future;

/// The mailbox capacity of every implementation that has one.
pub const CAPACITY: usize = 1024;

/// What the benchmarks drive.
pub trait Subject: Clone + Send + Sync + 'static {
    /// Starts one actor.
    fn start() -> impl Future<Output = Self> + Send;
    /// Adds `n`, waits for the new total.
    fn call(&self, n: u64) -> impl Future<Output = u64> + Send;
    /// Adds `n` without waiting.
    fn cast(&self, n: u64) -> impl Future<Output = ()> + Send;
}

pub mod generated {
    use connection::{Attempt, Connect, Context, Disconnect, Init, Options, connection};

    /// The counter as a connection.
    pub struct Counter {
        total: u64,
    }

    impl Counter {
        /// A counter at zero.
        #[must_use]
        pub fn new() -> Self {
            Counter { total: 0 }
        }
    }

    impl Default for Counter {
        fn default() -> Self {
            Self::new()
        }
    }

    #[connection]
    impl Counter {
        #[init]
        async fn init(&mut self) -> Init<()> {
            Init::Ok
        }

        #[connect]
        async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
            Disconnect::Connect(())
        }

        /// Adds `n`, returns the total.
        #[call]
        async fn add(&mut self, n: u64) -> u64 {
            self.total += n;
            self.total
        }

        /// Adds `n`.
        #[cast]
        async fn add_later(&mut self, n: u64) {
            self.total += n;
        }

        /// A disconnect, then (chained) a connect.
        #[call]
        async fn cycle(&mut self, ctx: &mut Context<Self>) {
            ctx.disconnect(());
        }
    }

    impl super::Subject for CounterClient {
        async fn start() -> Self {
            let options = Options::default()
                .mailbox_capacity(std::num::NonZeroUsize::new(super::CAPACITY).unwrap());
            Counter { total: 0 }.start_with(options).await.unwrap()
        }

        async fn call(&self, n: u64) -> u64 {
            self.add(n).await.unwrap()
        }

        async fn cast(&self, n: u64) {
            self.add_later(n).await.unwrap();
        }
    }
}

/// The generated client after `without_timeout()`: no timer per request.
#[derive(Clone)]
pub struct Untimed(pub generated::CounterClient);

impl Subject for Untimed {
    async fn start() -> Self {
        Untimed(generated::CounterClient::start().await.without_timeout())
    }

    async fn call(&self, n: u64) -> u64 {
        self.0.call(n).await
    }

    async fn cast(&self, n: u64) {
        self.0.cast(n).await;
    }
}

pub mod handwritten {
    use tokio::sync::{mpsc, oneshot};

    enum Message {
        Add {
            n: u64,
            respond_to: oneshot::Sender<u64>,
        },
        AddLater {
            n: u64,
        },
        Cycle {
            respond_to: oneshot::Sender<()>,
        },
    }

    struct Counter {
        total: u64,
        connected: bool,
        inbox: mpsc::Receiver<Message>,
    }

    impl Counter {
        async fn connect(&mut self) {
            self.connected = true;
        }

        async fn disconnect(&mut self) {
            self.connected = false;
        }

        async fn run(mut self) {
            while let Some(message) = self.inbox.recv().await {
                match message {
                    Message::Add { n, respond_to } => {
                        self.total += n;
                        let _ = respond_to.send(self.total);
                    }
                    Message::AddLater { n } => self.total += n,
                    Message::Cycle { respond_to } => {
                        let _ = respond_to.send(());
                        self.disconnect().await;
                        self.connect().await;
                    }
                }
            }
        }
    }

    /// The handle: a `Clone` sender.
    #[derive(Clone)]
    pub struct CounterHandle {
        mailbox: mpsc::Sender<Message>,
    }

    impl CounterHandle {
        /// A disconnect, then a connect, done by hand.
        pub async fn cycle(&self) {
            let (respond_to, reply) = oneshot::channel();
            let _ = self.mailbox.send(Message::Cycle { respond_to }).await;
            reply.await.expect("the actor is alive");
        }
    }

    impl super::Subject for CounterHandle {
        async fn start() -> Self {
            let (mailbox, inbox) = mpsc::channel(super::CAPACITY);
            let actor = Counter {
                total: 0,
                connected: false,
                inbox,
            };
            tokio::spawn(actor.run());
            CounterHandle { mailbox }
        }

        async fn call(&self, n: u64) -> u64 {
            let (respond_to, reply) = oneshot::channel();
            let _ = self.mailbox.send(Message::Add { n, respond_to }).await;
            reply.await.expect("the actor is alive")
        }

        async fn cast(&self, n: u64) {
            let _ = self.mailbox.send(Message::AddLater { n }).await;
        }
    }
}

pub mod kameo_actor {
    use kameo::Actor;
    use kameo::actor::{ActorRef, Spawn};
    use kameo::mailbox;
    use kameo::message::{Context, Message};

    #[derive(Actor)]
    pub struct Counter {
        total: u64,
    }

    pub struct Add(pub u64);

    impl Message<Add> for Counter {
        type Reply = u64;

        async fn handle(&mut self, Add(n): Add, _ctx: &mut Context<Self, Self::Reply>) -> u64 {
            self.total += n;
            self.total
        }
    }

    impl super::Subject for ActorRef<Counter> {
        async fn start() -> Self {
            Counter::spawn_with_mailbox(Counter { total: 0 }, mailbox::bounded(super::CAPACITY))
        }

        async fn call(&self, n: u64) -> u64 {
            self.ask(Add(n)).await.unwrap()
        }

        async fn cast(&self, n: u64) {
            self.tell(Add(n)).await.unwrap();
        }
    }
}

pub mod ractor_actor {
    use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

    pub struct Counter;

    pub enum Message {
        Add(u64, RpcReplyPort<u64>),
        AddLater(u64),
    }

    impl Actor for Counter {
        type Msg = Message;
        type State = u64;
        type Arguments = ();

        async fn pre_start(
            &self,
            _myself: ActorRef<Message>,
            _: (),
        ) -> Result<u64, ActorProcessingErr> {
            Ok(0)
        }

        async fn handle(
            &self,
            _myself: ActorRef<Message>,
            message: Message,
            total: &mut u64,
        ) -> Result<(), ActorProcessingErr> {
            match message {
                Message::Add(n, reply) => {
                    *total += n;
                    let _ = reply.send(*total);
                }
                Message::AddLater(n) => *total += n,
            }
            Ok(())
        }
    }

    /// ractor's `ActorRef`, which stops the actor when the last clone is
    /// dropped, as the other implementations' handles do (a ractor actor
    /// otherwise lives until stopped).
    #[derive(Clone)]
    pub struct CounterRef {
        actor: ActorRef<Message>,
        _stop_on_drop: std::sync::Arc<StopOnDrop>,
    }

    pub struct StopOnDrop(ActorRef<Message>);

    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.stop(None);
        }
    }

    impl super::Subject for CounterRef {
        async fn start() -> Self {
            let (actor, _join) = Actor::spawn(None, Counter, ()).await.unwrap();
            let _stop_on_drop = std::sync::Arc::new(StopOnDrop(actor.clone()));
            CounterRef {
                actor,
                _stop_on_drop,
            }
        }

        async fn call(&self, n: u64) -> u64 {
            match self
                .actor
                .call(|reply| Message::Add(n, reply), None)
                .await
                .unwrap()
            {
                ractor::rpc::CallResult::Success(total) => total,
                _ => unreachable!("no timeout was set"),
            }
        }

        async fn cast(&self, n: u64) {
            self.actor.cast(Message::AddLater(n)).unwrap();
        }
    }
}
