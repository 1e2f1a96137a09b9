//! Boxed futures (`Pin<Box<dyn Future<Output = T> + Send>>`) in every
//! position, awaited inside the handlers.
#![deny(warnings)]
use std::future::Future;
use std::pin::Pin;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

struct Conn {
    total: u32,
    pending: Option<BoxFuture<u32>>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<BoxFuture<u32>>>) -> Connect {
        if let Attempt::Requested(Some(future)) = attempt {
            self.total += future.await;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Pin<Box<dyn Future<Output = u32> + Send + 'static>>) -> Disconnect<Option<BoxFuture<u32>>> {
        self.total += why.await;
        Disconnect::Connect(Some(Box::pin(async { 100 })))
    }

    #[call]
    async fn run(&mut self, future: Pin<Box<dyn Future<Output = u32> + Send>>) -> u32 {
        let held = self.pending.take();
        self.total += future.await;
        if let Some(held) = held {
            self.total += held.await;
        }
        self.total
    }

    #[call]
    async fn later(&mut self, by: u32) -> BoxFuture<u32> {
        tokio::task::yield_now().await;
        Box::pin(async move {
            tokio::task::yield_now().await;
            by * 2
        })
    }

    #[call]
    async fn deferred(&mut self, reply: ReplyTo<BoxFuture<String>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Box::pin(async { "done".to_owned() }));
    }

    #[cast]
    async fn hold(&mut self, future: BoxFuture<u32>) {
        self.pending = Some(future);
    }

    #[info]
    async fn add(&mut self, future: BoxFuture<u32>) {
        self.total += future.await;
    }

    #[cast]
    async fn bounce(&mut self, why: BoxFuture<u32>, ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }

    #[call]
    async fn total(&mut self) -> u32 {
        self.total
    }
}

#[tokio::main]
async fn main() {
    let client = Conn { total: 0, pending: None }.start().await.unwrap();
    client.hold(Box::pin(async { 1 })).await.unwrap();
    assert_eq!(client.run(Box::pin(async { 2 })).await.unwrap(), 3);
    assert_eq!(client.later(4).await.unwrap().await, 8);
    assert_eq!(client.deferred().await.unwrap().await, "done");
    client.info(Box::pin(async { 10_u32 }) as BoxFuture<u32>).await.unwrap();
    client.bounce(Box::pin(async { 20 })).await.unwrap();
    assert_eq!(client.total().await.unwrap(), 133);
    client.stop(Stop::Normal).await.unwrap();
}
