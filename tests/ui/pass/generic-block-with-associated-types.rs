//! A block generic over a codec whose associated types are the frames it
//! sends and returns: `C::Frame`, `<C as Codec>::Error` in every position,
//! with a where clause on them.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

pub trait Codec: Send + 'static {
    type Frame;
    type Error;
    fn encode(&self, text: &str) -> Self::Frame;
}

struct Bytes;

impl Codec for Bytes {
    type Frame = Vec<u8>;
    type Error = String;
    fn encode(&self, text: &str) -> Vec<u8> {
        text.as_bytes().to_vec()
    }
}

struct Link<C: Codec> {
    codec: C,
    sent: Vec<C::Frame>,
}

#[connection]
impl<C: Codec> Link<C>
where
    C::Frame: Clone + Send,
    C::Error: Send + Default,
{
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<C::Frame>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(frame)) = attempt {
            self.sent.push(frame);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: <C as Codec>::Error) -> Disconnect<Option<C::Frame>> {
        tokio::task::yield_now().await;
        let _ = why;
        Disconnect::Connect(Some(self.codec.encode("again")))
    }

    #[call]
    async fn send(&mut self, text: String) -> Result<C::Frame, C::Error> {
        tokio::task::yield_now().await;
        let frame = self.codec.encode(&text);
        self.sent.push(frame.clone());
        if text.is_empty() { Err(C::Error::default()) } else { Ok(frame) }
    }

    #[call]
    async fn sent(&mut self, reply: ReplyTo<Vec<C::Frame>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(self.sent.clone());
    }

    #[cast]
    async fn push(&mut self, frame: C::Frame) {
        self.sent.push(frame);
    }

    #[info]
    async fn pushed(&mut self, frame: <C as Codec>::Frame) {
        tokio::task::yield_now().await;
        self.sent.push(frame);
    }

    #[cast]
    async fn bounce(&mut self, why: C::Error, ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }
}

#[tokio::main]
async fn main() {
    let client = Link { codec: Bytes, sent: Vec::new() }.start().await.unwrap();
    assert_eq!(client.send("a".into()).await.unwrap(), Ok(b"a".to_vec()));
    assert_eq!(client.send(String::new()).await.unwrap(), Err(String::new()));
    client.push(b"b".to_vec()).await.unwrap();
    client.info(b"c".to_vec()).await.unwrap();
    client.bounce("lost".into()).await.unwrap();
    let sent = client.sent().await.unwrap();
    assert_eq!(sent, [b"a".to_vec(), Vec::new(), b"b".to_vec(), b"c".to_vec(), b"again".to_vec()]);
    client.stop(Stop::Normal).await.unwrap();
}
