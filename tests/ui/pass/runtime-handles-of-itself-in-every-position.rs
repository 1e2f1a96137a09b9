//! A connection whose requests, replies, infos and connect and disconnect
//! infos carry the runtime's handles of itself (`WeakClient<Self>`,
//! `InfoSender<Self>`, its own client), and generic code over `Connection`
//! reaching `ConnectionTypes`' types through the supertrait: the types the
//! handles need of a connection sit in `ConnectionTypes`, and none of this
//! may make proving `Send` for them a cycle rustc rejects.
#![deny(warnings)]
use connection::{
    connection, Attempt, Client, Connect, Connection, Context, Disconnect, InfoSender, ReplyTo,
    WeakClient,
};

struct Selfish {
    me: Option<WeakClient<Selfish>>,
    told: Vec<u32>,
}

/// A connect info and a disconnect info holding handles of the connection.
#[derive(Default)]
struct Again(Option<WeakClient<Selfish>>);

enum Why {
    Asked(ReplyTo<()>, Option<SelfishClient>),
}

#[connection]
impl Selfish {
    #[init]
    async fn init(&mut self, ctx: &mut Context<Self>) -> connection::Init<Again> {
        self.me = Some(ctx.weak_client());
        connection::Init::Connect(Again(Some(ctx.weak_client())))
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<Again>) -> Connect {
        if let Attempt::Requested(Again(Some(me))) = attempt {
            assert!(me.is_alive());
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<Again> {
        let Why::Asked(reply, client) = why;
        drop(client);
        let _ = reply.send(());
        Disconnect::Connect(Again(self.me.clone()))
    }

    #[info]
    async fn told(&mut self, told: (u32, Option<InfoSender<Selfish>>)) {
        self.told.push(told.0);
    }

    /// A weak handle of itself, in and out.
    #[call]
    async fn swap(&mut self, me: WeakClient<Selfish>) -> Option<WeakClient<Selfish>> {
        self.me.replace(me)
    }

    /// Its own info sender, out.
    #[call]
    async fn sender(&mut self, ctx: &mut Context<Self>) -> InfoSender<Selfish> {
        ctx.info_sender()
    }

    /// Its own generated client, in a disconnect info.
    #[call]
    async fn bounce(&mut self, client: SelfishClient, reply: ReplyTo<()>, ctx: &mut Context<Self>) {
        ctx.disconnect(Why::Asked(reply, Some(client)));
    }

    #[call]
    async fn told_so_far(&mut self) -> Vec<u32> {
        self.told.clone()
    }
}

/// Generic code over `Connection` names `ConnectionTypes`' types.
fn upgrade<C: Connection>(weak: &WeakClient<C>) -> Option<C::Client> {
    weak.upgrade()
}

fn generic_is_alive<C: Connection>(client: &Client<C>) -> bool {
    client.is_alive()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Selfish { me: None, told: Vec::new() }.start().await.unwrap();
    let generic: &Client<Selfish> = client.as_ref();
    assert!(generic_is_alive(generic));
    let weak = generic.downgrade();
    assert!(client.swap(weak.clone()).await.unwrap().is_some());
    let sender = client.sender().await.unwrap();
    sender.send((7, Some(sender.clone()))).await.unwrap();
    client.bounce(client.clone()).await.unwrap();
    assert_eq!(client.told_so_far().await.unwrap(), [7]);
    assert!(upgrade(&weak).is_some());
    client.stop(connection::Stop::Normal).await.unwrap();
}
