//! Higher-ranked function pointers (`fn(&str) -> usize`,
//! `for<'a> fn(&'a [u8]) -> &'a [u8]`) in every position.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Strip = for<'a> fn(&'a [u8]) -> &'a [u8];

fn first(bytes: &[u8]) -> &[u8] {
    &bytes[..1]
}

fn last(bytes: &[u8]) -> &[u8] {
    &bytes[bytes.len() - 1..]
}

struct Conn {
    strip: Strip,
    count: fn(&str) -> usize,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<fn(&str) -> usize>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(count)) = attempt {
            self.count = count;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, strip: Strip) -> Disconnect<Option<fn(&str) -> usize>> {
        tokio::task::yield_now().await;
        self.strip = strip;
        Disconnect::Connect(Some(|text| text.chars().count()))
    }

    #[call]
    async fn strip(&mut self, bytes: Vec<u8>, then: fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
        tokio::task::yield_now().await;
        then((self.strip)(&bytes))
    }

    #[call]
    async fn counter(&mut self) -> fn(&str) -> usize {
        tokio::task::yield_now().await;
        self.count
    }

    #[call]
    async fn stripper(&mut self, reply: ReplyTo<Strip>) {
        tokio::task::yield_now().await;
        let _ = reply.send(self.strip);
    }

    #[cast]
    async fn set_strip(&mut self, strip: for<'b> fn(&'b [u8]) -> &'b [u8]) {
        self.strip = strip;
    }

    #[info]
    async fn set_count(&mut self, count: fn(&str) -> usize) {
        tokio::task::yield_now().await;
        self.count = count;
    }

    #[cast]
    async fn bounce(&mut self, strip: Strip, ctx: &mut Context<Self>) {
        ctx.disconnect(strip);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { strip: first, count: str::len }.start().await.unwrap();
    assert_eq!(client.strip(vec![1, 2, 3], <[u8]>::to_vec).await.unwrap(), [1]);
    assert_eq!(client.counter().await.unwrap()("héllo"), 6);
    assert_eq!(client.stripper().await.unwrap()(&[4, 5]), [4]);
    client.set_strip(last).await.unwrap();
    assert_eq!(client.strip(vec![1, 2, 3], <[u8]>::to_vec).await.unwrap(), [3]);
    client.info((|_: &str| 0) as fn(&str) -> usize).await.unwrap();
    assert_eq!(client.counter().await.unwrap()("abc"), 0);
    client.bounce(first).await.unwrap();
    assert_eq!(client.counter().await.unwrap()("héllo"), 5);
    assert_eq!(client.strip(vec![7, 8], <[u8]>::to_vec).await.unwrap(), [7]);
    client.stop(Stop::Normal).await.unwrap();
}
