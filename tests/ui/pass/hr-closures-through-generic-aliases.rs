//! Higher-ranked closures named through generic type aliases, from a
//! module of their own.
#![deny(warnings)]
mod callbacks {
    pub type Callback<T> = Box<dyn Fn(&T) -> T + Send>;
    pub type Shared<T> = std::sync::Arc<dyn Fn(&mut T) + Send + Sync>;
    pub type Maybe<T> = Option<Callback<T>>;
}

use callbacks::{Callback, Maybe, Shared};
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

struct Conn {
    value: u32,
    on_connect: Maybe<u32>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Maybe<u32>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(callback)) = attempt {
            self.value = callback(&self.value);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, next: callbacks::Callback<u32>) -> Disconnect<callbacks::Maybe<u32>> {
        tokio::task::yield_now().await;
        Disconnect::Connect(Some(next))
    }

    #[call]
    async fn apply(&mut self, callback: Callback<u32>, also: Shared<u32>) -> u32 {
        tokio::task::yield_now().await;
        self.value = callback(&self.value);
        also(&mut self.value);
        self.value
    }

    #[call]
    async fn doubler(&mut self) -> Callback<String> {
        tokio::task::yield_now().await;
        Box::new(|text| text.repeat(2))
    }

    #[call]
    async fn adder(&mut self, reply: ReplyTo<Shared<Vec<u8>>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(std::sync::Arc::new(|bytes| bytes.push(0)));
    }

    #[cast]
    async fn set(&mut self, on_connect: Maybe<u32>) {
        self.on_connect = on_connect;
    }

    #[info]
    async fn run(&mut self, callback: Shared<u32>) {
        tokio::task::yield_now().await;
        callback(&mut self.value);
    }

    #[cast]
    async fn bounce(&mut self, ctx: &mut Context<Self>) {
        if let Some(callback) = self.on_connect.take() {
            ctx.disconnect(callback);
        }
    }

    #[call]
    async fn value(&mut self) -> u32 {
        self.value
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { value: 1, on_connect: None }.start().await.unwrap();
    assert_eq!(client.apply(Box::new(|n| n + 1), std::sync::Arc::new(|n| *n *= 3)).await.unwrap(), 6);
    assert_eq!(client.doubler().await.unwrap()(&"ab".to_owned()), "abab");
    let mut bytes = Vec::new();
    client.adder().await.unwrap()(&mut bytes);
    assert_eq!(bytes, [0]);
    client.info(std::sync::Arc::new(|n: &mut u32| *n += 1) as Shared<u32>).await.unwrap();
    client.set(Some(Box::new(|n| n * 100))).await.unwrap();
    client.bounce().await.unwrap();
    assert_eq!(client.value().await.unwrap(), 700);
    client.stop(Stop::Normal).await.unwrap();
}
