//! Closures that make boxed futures from borrowed arguments
//! (`Fn(&str) -> Pin<Box<dyn Future + Send + '_>>`), the shape of an async
//! callback, in every position.
#![deny(warnings)]
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Lookup = Arc<dyn for<'a> Fn(&'a str) -> Pin<Box<dyn Future<Output = usize> + Send + 'a>> + Send + Sync>;
type Make = Box<dyn Fn(u32) -> Pin<Box<dyn Future<Output = u32> + Send>> + Send>;

fn length() -> Lookup {
    Arc::new(|text| Box::pin(async move { text.len() }))
}

struct Conn {
    lookup: Lookup,
    seen: usize,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Lookup>>) -> Connect {
        if let Attempt::Requested(Some(lookup)) = attempt {
            self.seen += lookup("connect").await;
            self.lookup = lookup;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, make: Make) -> Disconnect<Option<Lookup>> {
        self.seen += make(1).await as usize;
        Disconnect::Connect(Some(length()))
    }

    #[call]
    async fn lookup(&mut self, key: String, then: Make) -> u32 {
        let lookup = Arc::clone(&self.lookup);
        let found = lookup(&key).await;
        then(found as u32).await
    }

    #[call]
    async fn lookup_fn(&mut self) -> Lookup {
        tokio::task::yield_now().await;
        Arc::clone(&self.lookup)
    }

    #[call]
    async fn maker(&mut self, reply: ReplyTo<Make>) {
        let _ = reply.send(Box::new(|n| Box::pin(async move { n + 1 })));
    }

    #[cast]
    async fn set(&mut self, lookup: Lookup) {
        self.lookup = lookup;
    }

    #[info]
    async fn run(&mut self, make: Make) {
        self.seen += make(2).await as usize;
    }

    #[cast]
    async fn bounce(&mut self, make: Make, ctx: &mut Context<Self>) {
        ctx.disconnect(make);
    }

    #[call]
    async fn seen(&mut self) -> usize {
        self.seen
    }
}

#[tokio::main]
async fn main() {
    let client = Conn { lookup: length(), seen: 0 }.start().await.unwrap();
    assert_eq!(client.lookup("abc".into(), Box::new(|n| Box::pin(async move { n * 2 }))).await.unwrap(), 6);
    assert_eq!(client.lookup_fn().await.unwrap()("four").await, 4);
    assert_eq!(client.maker().await.unwrap()(1).await, 2);
    client.set(Arc::new(|_| Box::pin(async { 0 }))).await.unwrap();
    client.info(Box::new(|n: u32| Box::pin(async move { n }) as Pin<Box<dyn Future<Output = u32> + Send>>) as Make).await.unwrap();
    client.bounce(Box::new(|n| Box::pin(async move { n * 10 }))).await.unwrap();
    // 2 (info) + 10 (disconnect) + 7 (connect: "connect".len())
    assert_eq!(client.seen().await.unwrap(), 19);
    client.stop(Stop::Normal).await.unwrap();
}
