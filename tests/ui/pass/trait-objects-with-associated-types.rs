//! Objects whose associated types are part of the type
//! (`dyn Iterator<Item = ..>`, `dyn Fn() -> Box<dyn Iterator ..>`), and
//! error objects (`Box<dyn Error + Send + Sync>`) in every position.
#![deny(warnings)]
use std::error::Error;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Numbers = Box<dyn Iterator<Item = u32> + Send>;
type AnyError = Box<dyn Error + Send + Sync + 'static>;

struct Conn {
    numbers: Numbers,
    errors: Vec<String>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Box<dyn Iterator<Item = u32> + Send>>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(numbers)) = attempt {
            self.numbers = numbers;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: AnyError) -> Disconnect<Option<Numbers>> {
        tokio::task::yield_now().await;
        self.errors.push(why.to_string());
        Disconnect::Connect(Some(Box::new(100..)))
    }

    #[call]
    async fn next(&mut self, skip: Box<dyn Iterator<Item = ()> + Send>) -> Option<u32> {
        for () in skip {
            self.numbers.next();
            tokio::task::yield_now().await;
        }
        self.numbers.next()
    }

    #[call]
    async fn parse(&mut self, text: String) -> Result<u32, Box<dyn Error + Send + Sync>> {
        tokio::task::yield_now().await;
        Ok(text.parse()?)
    }

    #[call]
    async fn evens(&mut self, reply: ReplyTo<Numbers>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Box::new((0..).step_by(2)));
    }

    #[cast]
    async fn set(&mut self, numbers: Numbers) {
        self.numbers = numbers;
    }

    #[info]
    async fn error(&mut self, error: AnyError) {
        tokio::task::yield_now().await;
        self.errors.push(error.to_string());
    }

    #[cast]
    async fn bounce(&mut self, why: AnyError, ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }

    #[call]
    async fn errors(&mut self) -> Vec<String> {
        self.errors.clone()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { numbers: Box::new(1..), errors: Vec::new() }.start().await.unwrap();
    assert_eq!(client.next(Box::new(std::iter::repeat(()).take(2))).await.unwrap(), Some(3));
    assert_eq!(client.parse("12".into()).await.unwrap().unwrap(), 12);
    assert!(client.parse("x".into()).await.unwrap().is_err());
    assert_eq!(client.evens().await.unwrap().nth(2), Some(4));
    client.set(Box::new(std::iter::empty())).await.unwrap();
    assert_eq!(client.next(Box::new(std::iter::empty())).await.unwrap(), None);
    client.info(AnyError::from("an info")).await.unwrap();
    client.bounce("lost".into()).await.unwrap();
    assert_eq!(client.next(Box::new(std::iter::empty())).await.unwrap(), Some(100));
    assert_eq!(client.errors().await.unwrap(), ["an info", "lost"]);
    client.stop(Stop::Normal).await.unwrap();
}
