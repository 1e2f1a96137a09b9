//! Tuples, arrays, slices behind boxes and `Arc`s, `Box<str>`,
//! `Arc<[u8]>`, unit and nested options in every position.
#![deny(warnings)]
use std::sync::Arc;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Key = [u8; 4];

struct Conn {
    pairs: Vec<(Key, Box<str>)>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<(Option<Key>, Arc<str>)>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested((Some(key), name)) = attempt {
            self.pairs.push((key, name.as_ref().into()));
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: (u8, Box<[u8]>)) -> Disconnect<(Option<Key>, Arc<str>)> {
        tokio::task::yield_now().await;
        Disconnect::Connect((Some([why.0; 4]), Arc::from(&*String::from_utf8_lossy(&why.1))))
    }

    #[call]
    async fn put(&mut self, key: Key, value: Box<str>, _unit: ()) -> (usize, Option<Option<u8>>) {
        tokio::task::yield_now().await;
        self.pairs.push((key, value));
        (self.pairs.len(), Some(None))
    }

    #[call]
    async fn keys(&mut self) -> Arc<[Key]> {
        tokio::task::yield_now().await;
        self.pairs.iter().map(|(key, _)| *key).collect()
    }

    #[call]
    async fn values(&mut self, reply: ReplyTo<Box<[Box<str>]>>) {
        let _ = reply.send(self.pairs.iter().map(|(_, value)| value.clone()).collect());
    }

    #[cast]
    async fn put_many(&mut self, pairs: [(Key, Box<str>); 2]) {
        self.pairs.extend(pairs);
    }

    #[info]
    async fn put_pair(&mut self, pair: (Key, Box<str>)) {
        self.pairs.push(pair);
    }

    #[cast]
    async fn bounce(&mut self, why: (u8, Box<[u8]>), ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { pairs: Vec::new() }.start().await.unwrap();
    assert_eq!(client.put(*b"aaaa", "one".into(), ()).await.unwrap(), (1, Some(None)));
    client.put_many([(*b"bbbb", "two".into()), (*b"cccc", "three".into())]).await.unwrap();
    client.info((*b"dddd", Box::<str>::from("four"))).await.unwrap();
    client.bounce((b'e', Box::from(&b"five"[..]))).await.unwrap();
    assert_eq!(client.keys().await.unwrap().len(), 5);
    assert_eq!(&*client.values().await.unwrap()[4], "five");
    client.stop(Stop::Normal).await.unwrap();
}
