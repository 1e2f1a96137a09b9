//! Associated types in every position: `<T as Trait>::Assoc` of concrete
//! types, of the connection itself (`<Self as Protocol>::Frame`,
//! `Self::Reply` of a trait it implements), and of standard traits.
#![deny(warnings)]
use std::collections::HashMap;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

pub trait Protocol {
    type Frame;
    type Error;
}

pub trait Keyed {
    type Key;
}

impl Keyed for HashMap<String, u32> {
    type Key = String;
}

struct Conn {
    frames: Vec<Vec<u8>>,
}

impl Protocol for Conn {
    type Frame = Vec<u8>;
    type Error = String;
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<<Conn as Protocol>::Frame>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(frame)) = attempt {
            self.frames.push(frame);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: <Self as Protocol>::Error) -> Disconnect<Option<<Self as Protocol>::Frame>> {
        tokio::task::yield_now().await;
        Disconnect::Connect(Some(why.into_bytes()))
    }

    #[call]
    async fn push(&mut self, frame: <Self as Protocol>::Frame, key: <HashMap<String, u32> as Keyed>::Key) -> Result<usize, <Self as Protocol>::Error> {
        tokio::task::yield_now().await;
        if key.is_empty() {
            return Err("no key".to_owned());
        }
        self.frames.push(frame);
        Ok(self.frames.len())
    }

    #[call]
    async fn first(&mut self) -> Option<<Vec<u8> as IntoIterator>::Item> {
        tokio::task::yield_now().await;
        self.frames.first().and_then(|frame| frame.first().copied())
    }

    #[call]
    async fn all(&mut self, reply: ReplyTo<Vec<<Conn as Protocol>::Frame>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(self.frames.clone());
    }

    #[cast]
    async fn extend(&mut self, frames: <Vec<Vec<u8>> as IntoIterator>::IntoIter) {
        self.frames.extend(frames);
    }

    #[info]
    async fn frame(&mut self, frame: <Self as Protocol>::Frame) {
        tokio::task::yield_now().await;
        self.frames.push(frame);
    }

    #[cast]
    async fn bounce(&mut self, why: <Self as Protocol>::Error, ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { frames: Vec::new() }.start().await.unwrap();
    assert_eq!(client.push(vec![1], "k".into()).await.unwrap(), Ok(1));
    assert_eq!(client.push(vec![2], String::new()).await.unwrap(), Err("no key".to_owned()));
    assert_eq!(client.first().await.unwrap(), Some(1));
    client.extend(vec![vec![3]].into_iter()).await.unwrap();
    client.info(vec![4]).await.unwrap();
    client.bounce("x".to_owned()).await.unwrap();
    assert_eq!(client.all().await.unwrap(), [vec![1], vec![3], vec![4], b"x".to_vec()]);
    client.stop(Stop::Normal).await.unwrap();
}
