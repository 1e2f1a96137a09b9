//! A connection written without the macro: the `Connection` trait (with its
//! supertrait `ConnectionTypes`) and the message's `Request` are the whole
//! contract, and the runtime consults the
//! message's own hooks (its policy while disconnected, whether its caller
//! gave up).

use std::time::Duration;

use connection::{
    Attempt, CallError, Client, Connect, Connection, ConnectionTypes, Context, Disconnect, Init,
    ReplyTo, Request, WhenDisconnected, start,
};

/// Adds to a total; refuses to count while disconnected.
struct Counter {
    total: u64,
}

enum CounterMessage {
    /// Runs whenever it comes.
    Add(u64, ReplyTo<u64>),
    /// Refused while disconnected.
    AddIfUp(u64, ReplyTo<u64>),
    /// Drops the link; a connect comes back after a second.
    DropLink,
}

impl Request for CounterMessage {
    fn name(&self) -> &'static str {
        match self {
            CounterMessage::Add(..) => "Add",
            CounterMessage::AddIfUp(..) => "AddIfUp",
            CounterMessage::DropLink => "DropLink",
        }
    }

    fn when_disconnected(&self) -> WhenDisconnected {
        match self {
            CounterMessage::AddIfUp(..) => WhenDisconnected::Reject,
            _ => WhenDisconnected::Run,
        }
    }
    // `is_abandoned` and `refuse` keep their defaults: a refused request is
    // dropped, and its caller told `NoReply`.
}

impl ConnectionTypes for Counter {
    type Message = CounterMessage;
    type ConnectInfo = ();
    type DisconnectInfo = ();
    type Info = ();
    type Client = Client<Counter>;
}

impl Connection for Counter {
    async fn init(&mut self, _ctx: &mut Context<Self>) -> Init<()> {
        Init::Connect(())
    }

    async fn connect(&mut self, _attempt: Attempt<()>, _ctx: &mut Context<Self>) -> Connect {
        Connect::Ok
    }

    async fn disconnect(&mut self, (): (), _ctx: &mut Context<Self>) -> Disconnect<()> {
        Disconnect::Backoff(Duration::from_secs(1))
    }

    async fn handle(&mut self, message: CounterMessage, ctx: &mut Context<Self>) {
        match message {
            CounterMessage::Add(n, reply) | CounterMessage::AddIfUp(n, reply) => {
                self.total += n;
                let _ = reply.send(self.total);
            }
            CounterMessage::DropLink => ctx.disconnect(()),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_hand_written_connection_runs_on_the_contract_alone() {
    let client: Client<Counter> = start(Counter { total: 0 }, Default::default())
        .await
        .unwrap();
    assert_eq!(
        client
            .call(|reply| CounterMessage::Add(2, reply))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        client
            .call(|reply| CounterMessage::AddIfUp(3, reply))
            .await
            .unwrap(),
        5
    );

    // Down for a second: its own policy refuses `AddIfUp` (its caller gets
    // `NoReply`, `refuse`'s default), and `Add` still runs.
    client.cast(CounterMessage::DropLink).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(!client.is_connected());
    assert!(matches!(
        client
            .call(|reply| CounterMessage::AddIfUp(100, reply))
            .await,
        Err(CallError::NoReply)
    ));
    assert_eq!(
        client
            .call(|reply| CounterMessage::Add(1, reply))
            .await
            .unwrap(),
        6
    );

    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(client.is_connected());
    assert_eq!(
        client
            .call(|reply| CounterMessage::AddIfUp(4, reply))
            .await
            .unwrap(),
        10
    );
}
