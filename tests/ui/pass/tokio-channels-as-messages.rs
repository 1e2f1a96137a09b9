//! tokio's channel ends (`oneshot`, `mpsc`, `watch`, `broadcast`) in every
//! position: a connection that hands out and takes in channels.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

struct Conn {
    state: watch::Sender<u32>,
    events: broadcast::Sender<String>,
    sink: Option<mpsc::Sender<u32>>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<mpsc::Sender<u32>>>) -> Connect {
        if let Attempt::Requested(Some(sink)) = attempt {
            sink.send(0).await.unwrap();
            self.sink = Some(sink);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, done: oneshot::Sender<u32>) -> Disconnect<Option<mpsc::Sender<u32>>> {
        let _ = done.send(*self.state.borrow());
        Disconnect::Connect(self.sink.take())
    }

    #[call]
    async fn set(&mut self, value: u32, ack: oneshot::Sender<()>) -> watch::Receiver<u32> {
        self.state.send_replace(value);
        let _ = ack.send(());
        self.state.subscribe()
    }

    #[call]
    async fn events(&mut self) -> broadcast::Receiver<String> {
        self.events.subscribe()
    }

    #[call]
    async fn sink(&mut self, reply: ReplyTo<Option<mpsc::Sender<u32>>>) {
        let _ = reply.send(self.sink.clone());
    }

    #[cast]
    async fn attach(&mut self, sink: mpsc::Sender<u32>) {
        self.sink = Some(sink);
    }

    #[info]
    async fn event(&mut self, event: String) {
        let _ = self.events.send(event);
        if let Some(sink) = &self.sink {
            sink.send(1).await.unwrap();
        }
    }

    #[cast]
    async fn bounce(&mut self, done: oneshot::Sender<u32>, ctx: &mut Context<Self>) {
        ctx.disconnect(done);
    }
}

#[tokio::main]
async fn main() {
    let (events, _) = broadcast::channel(8);
    let client = Conn { state: watch::channel(0).0, events, sink: None }.start().await.unwrap();
    let (ack, acked) = oneshot::channel();
    let state = client.set(5, ack).await.unwrap();
    acked.await.unwrap();
    assert_eq!(*state.borrow(), 5);
    let mut events = client.events().await.unwrap();
    let (sink, mut sunk) = mpsc::channel(8);
    client.attach(sink).await.unwrap();
    assert!(client.sink().await.unwrap().is_some());
    client.info("hello".to_owned()).await.unwrap();
    assert_eq!(events.recv().await.unwrap(), "hello");
    let (done, finished) = oneshot::channel();
    client.bounce(done).await.unwrap();
    assert_eq!(finished.await.unwrap(), 5);
    assert_eq!(sunk.recv().await, Some(1));
    assert_eq!(sunk.recv().await, Some(0));
    client.stop(Stop::Normal).await.unwrap();
}
