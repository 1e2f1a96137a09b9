//! `Box<dyn Fn(&T) -> U + Send>` in every position a type can take: call
//! and cast arguments, a return, a deferred reply, an info, the connect and
//! disconnect infos, and a state field used across an `.await`.
#![deny(warnings)]
use std::time::Duration;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Measure = Box<dyn Fn(&str) -> usize + Send>;

struct Conn {
    measure: Measure,
    connects: usize,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Box<dyn Fn(&str) -> usize + Send>>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(measure)) = attempt {
            self.measure = measure;
        }
        self.connects += 1;
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, next: Box<dyn Fn(&str) -> usize + Send>) -> Disconnect<Option<Measure>> {
        tokio::task::yield_now().await;
        Disconnect::Connect(Some(next))
    }

    #[call]
    async fn measure(&mut self, text: String, twice: Box<dyn Fn(&usize) -> usize + Send>) -> usize {
        tokio::time::sleep(Duration::from_millis(1)).await;
        twice(&(self.measure)(&text))
    }

    #[call]
    async fn current(&mut self) -> Box<dyn Fn(&str) -> usize + Send> {
        tokio::task::yield_now().await;
        std::mem::replace(&mut self.measure, Box::new(str::len))
    }

    #[call]
    async fn later(&mut self, reply: ReplyTo<Box<dyn Fn(&str) -> bool + Send>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Box::new(|text| text.is_empty()));
    }

    #[cast]
    async fn set(&mut self, measure: Measure) {
        tokio::task::yield_now().await;
        self.measure = measure;
    }

    #[info]
    async fn replace(&mut self, measure: Box<dyn Fn(&str) -> usize + Send>) {
        tokio::task::yield_now().await;
        self.measure = measure;
    }

    #[cast]
    async fn reconnect_with(&mut self, next: Measure, ctx: &mut Context<Self>) {
        ctx.disconnect(next);
    }

    #[call]
    async fn connects(&mut self) -> usize {
        self.connects
    }
}

#[tokio::main]
async fn main() {
    let client = Conn { measure: Box::new(str::len), connects: 0 }.start().await.unwrap();
    let spawned = tokio::spawn({
        let client = client.clone();
        async move { client.measure("abc".into(), Box::new(|n| n * 2)).await.unwrap() }
    });
    assert_eq!(spawned.await.unwrap(), 6);
    assert_eq!(client.current().await.unwrap()("four"), 4);
    assert!(client.later().await.unwrap()(""));
    client.set(Box::new(|text| text.len() + 1)).await.unwrap();
    assert_eq!(client.measure("ab".into(), Box::new(|n| *n)).await.unwrap(), 3);
    client.info(Box::new(|_| 7)).await.unwrap();
    assert_eq!(client.measure("ab".into(), Box::new(|n| *n)).await.unwrap(), 7);
    client.reconnect_with(Box::new(|_| 9)).await.unwrap();
    assert_eq!(client.measure("ab".into(), Box::new(|n| *n)).await.unwrap(), 9);
    assert_eq!(client.connects().await.unwrap(), 2);
    client.stop(Stop::Normal).await.unwrap();
}
