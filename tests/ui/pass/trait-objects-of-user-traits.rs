//! Objects of the user's own traits, with supertraits, generic methods
//! kept off the object (`where Self: Sized`) and associated types fixed in
//! the object type (`dyn Codec<Frame = Vec<u8>>`).
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

pub trait Codec: Send + Sync {
    type Frame;
    fn encode(&self, text: &str) -> Self::Frame;
    fn with<F: Fn(&str) -> String>(&self, f: F) -> String
    where
        Self: Sized,
    {
        f("with")
    }
}

struct Bytes;

impl Codec for Bytes {
    type Frame = Vec<u8>;
    fn encode(&self, text: &str) -> Vec<u8> {
        text.as_bytes().to_vec()
    }
}

struct Upper;

impl Codec for Upper {
    type Frame = Vec<u8>;
    fn encode(&self, text: &str) -> Vec<u8> {
        text.to_uppercase().into_bytes()
    }
}

type AnyCodec = Box<dyn Codec<Frame = Vec<u8>>>;

struct Conn {
    codec: AnyCodec,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Box<dyn Codec<Frame = Vec<u8>> + 'static>>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(codec)) = attempt {
            self.codec = codec;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, next: AnyCodec) -> Disconnect<Option<AnyCodec>> {
        tokio::task::yield_now().await;
        Disconnect::Connect(Some(next))
    }

    #[call]
    async fn encode(&mut self, text: String, other: Option<&'static dyn Codec<Frame = Vec<u8>>>) -> Vec<u8> {
        tokio::task::yield_now().await;
        match other {
            Some(other) => other.encode(&text),
            None => self.codec.encode(&text),
        }
    }

    #[call]
    async fn codec(&mut self) -> AnyCodec {
        tokio::task::yield_now().await;
        std::mem::replace(&mut self.codec, Box::new(Bytes))
    }

    #[call]
    async fn codec_later(&mut self, reply: ReplyTo<Box<dyn Codec<Frame = Vec<u8>>>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Box::new(Upper));
    }

    #[cast]
    async fn set(&mut self, codec: AnyCodec) {
        self.codec = codec;
    }

    #[info]
    async fn set_by_info(&mut self, codec: AnyCodec) {
        tokio::task::yield_now().await;
        self.codec = codec;
    }

    #[cast]
    async fn bounce(&mut self, next: AnyCodec, ctx: &mut Context<Self>) {
        ctx.disconnect(next);
    }
}

static UPPER: Upper = Upper;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { codec: Box::new(Bytes) }.start().await.unwrap();
    assert_eq!(client.encode("ab".into(), None).await.unwrap(), b"ab");
    assert_eq!(client.encode("ab".into(), Some(&UPPER)).await.unwrap(), b"AB");
    assert_eq!(client.codec().await.unwrap().encode("x"), b"x");
    assert_eq!(client.codec_later().await.unwrap().encode("y"), b"Y");
    assert_eq!(Bytes.with(|text| text.to_owned()), "with");
    client.set(Box::new(Upper)).await.unwrap();
    assert_eq!(client.encode("c".into(), None).await.unwrap(), b"C");
    client.info(Box::new(Bytes) as AnyCodec).await.unwrap();
    assert_eq!(client.encode("d".into(), None).await.unwrap(), b"d");
    client.bounce(Box::new(Upper)).await.unwrap();
    assert_eq!(client.encode("e".into(), None).await.unwrap(), b"E");
    client.stop(Stop::Normal).await.unwrap();
}
