//! Objects of generic traits and of traits generic over lifetimes:
//! `dyn Handler<&'a str>` under `for<'a>`, `dyn Convert<u32, Output = String>`,
//! `dyn AsRef<[u8]>`, in every position.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

pub trait Handler<T> {
    fn handle(&self, input: T) -> usize;
}

impl<T: AsRef<str>> Handler<T> for usize {
    fn handle(&self, input: T) -> usize {
        input.as_ref().len() + self
    }
}

pub trait Convert<T> {
    type Output;
    fn convert(&self, value: T) -> Self::Output;
}

struct Show;

impl Convert<u32> for Show {
    type Output = String;
    fn convert(&self, value: u32) -> String {
        value.to_string()
    }
}

type AnyHandler = Box<dyn for<'a> Handler<&'a str> + Send + Sync>;
type AnyConvert = Box<dyn Convert<u32, Output = String> + Send>;

struct Conn {
    handler: AnyHandler,
    bytes: Vec<Box<dyn AsRef<[u8]> + Send>>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<AnyHandler>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(handler)) = attempt {
            self.handler = handler;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, next: AnyHandler) -> Disconnect<Option<AnyHandler>> {
        Disconnect::Connect(Some(next))
    }

    #[call]
    async fn handle(&mut self, text: String, convert: AnyConvert) -> String {
        tokio::task::yield_now().await;
        convert.convert(self.handler.handle(&text) as u32)
    }

    #[call]
    async fn converter(&mut self) -> Box<dyn Convert<u32, Output = String> + Send> {
        Box::new(Show)
    }

    #[call]
    async fn total(&mut self, reply: ReplyTo<usize>) {
        let _ = reply.send(self.bytes.iter().map(|bytes| (**bytes).as_ref().len()).sum());
    }

    #[cast]
    async fn push(&mut self, bytes: Box<dyn AsRef<[u8]> + Send>) {
        self.bytes.push(bytes);
    }

    #[info]
    async fn set(&mut self, handler: AnyHandler) {
        self.handler = handler;
    }

    #[cast]
    async fn bounce(&mut self, next: AnyHandler, ctx: &mut Context<Self>) {
        ctx.disconnect(next);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { handler: Box::new(0_usize), bytes: Vec::new() }.start().await.unwrap();
    assert_eq!(client.handle("abc".into(), Box::new(Show)).await.unwrap(), "3");
    assert_eq!(client.converter().await.unwrap().convert(7), "7");
    client.push(Box::new(vec![1_u8, 2])).await.unwrap();
    client.push(Box::new("xyz")).await.unwrap();
    assert_eq!(client.total().await.unwrap(), 5);
    client.info(Box::new(10_usize) as AnyHandler).await.unwrap();
    assert_eq!(client.handle("a".into(), Box::new(Show)).await.unwrap(), "11");
    client.bounce(Box::new(100_usize)).await.unwrap();
    assert_eq!(client.handle("a".into(), Box::new(Show)).await.unwrap(), "101");
    client.stop(Stop::Normal).await.unwrap();
}
