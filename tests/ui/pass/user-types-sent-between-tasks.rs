//! The `Send` checks of user types (each asserted once, and assumed in the
//! generated items) leave valid code alone: a state holding its own weak
//! client and a lock, user types as arguments, replies, deferred replies,
//! infos and disconnect infos, a type named twice, and user code elsewhere
//! that names the connection's `Context` and client.
#![deny(warnings)]
use std::sync::{Arc, Mutex};

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, WeakClient};

#[derive(Debug, Clone, PartialEq)]
pub struct Key(String);

#[derive(Debug, PartialEq)]
pub enum Value {
    Missing,
    Found(Vec<u8>),
}

pub struct Frame(Key, Vec<u8>);

#[derive(Debug)]
pub struct Lost(std::io::ErrorKind);

struct Store {
    me: Option<WeakClient<Store>>,
    entries: Arc<Mutex<Vec<(Key, Vec<u8>)>>>,
}

#[connection]
impl Store {
    #[init]
    async fn init(&mut self, ctx: &mut Context<Self>) -> connection::Init<()> {
        self.me = Some(ctx.weak_client());
        connection::Init::Connect(())
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, lost: Lost) -> Disconnect<()> {
        let _ = lost.0;
        Disconnect::NoConnect
    }

    #[info]
    async fn frame(&mut self, frame: Frame) {
        self.entries.lock().unwrap().push((frame.0, frame.1));
    }

    #[call]
    async fn get(&mut self, key: Key) -> Value {
        let entries = self.entries.lock().unwrap();
        entries
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(Value::Missing, |(_, v)| Value::Found(v.clone()))
    }

    #[call]
    async fn keys(&mut self, reply: ReplyTo<Vec<Key>>) {
        let keys = self.entries.lock().unwrap().iter().map(|(k, _)| k.clone()).collect();
        let _ = reply.send(keys);
    }

    #[cast]
    async fn put(&mut self, key: Key, value: Vec<u8>, ctx: &mut Context<Self>) {
        note(ctx);
        self.entries.lock().unwrap().push((key, value));
    }
}

/// User code outside the block that names the context and the client.
fn note(ctx: &mut Context<Store>) {
    let _ = ctx.weak_client();
}

async fn feed(client: &StoreClient) {
    client.info(Frame(Key("b".into()), vec![2])).await.unwrap();
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let store = Store { me: None, entries: Arc::default() };
    let client = store.start().await.unwrap();
    client.put(Key("a".into()), vec![1]).await.unwrap();
    feed(&client).await;
    assert_eq!(client.get(Key("a".into())).await.unwrap(), Value::Found(vec![1]));
    assert_eq!(client.get(Key("c".into())).await.unwrap(), Value::Missing);
    assert_eq!(client.keys().await.unwrap(), [Key("a".into()), Key("b".into())]);
}
