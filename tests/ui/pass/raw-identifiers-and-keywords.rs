//! Raw identifiers as handler, parameter and type names (`r#type`,
//! `r#match`, `r#async`), and parameters named like the generated code's
//! own locals (`reply_to`, `message`, `ctx`, `client`, `future`), and a
//! connection type named by a raw identifier.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

#[allow(non_camel_case_types)]
pub struct r#struct(pub u8);

struct Conn {
    seen: Vec<u8>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, r#async: Attempt<()>) -> Connect {
        let _ = r#async;
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, r#in: r#struct) -> Disconnect<()> {
        self.seen.push(r#in.0);
        Disconnect::Connect(())
    }

    #[call]
    async fn r#type(&mut self, r#match: u8, message: u8, client: u8, future: u8) -> u8 {
        tokio::task::yield_now().await;
        r#match + message + client + future
    }

    #[call]
    async fn r#loop(&mut self, reply_to: u8, reply: ReplyTo<Vec<u8>>) {
        self.seen.push(reply_to);
        let _ = reply.send(self.seen.clone());
    }

    #[cast]
    async fn r#fn(&mut self, r#let: r#struct, ctx: &mut Context<Self>) {
        ctx.disconnect(r#let);
    }

    #[info]
    async fn r#impl(&mut self, info: r#struct) {
        self.seen.push(info.0);
    }
}

struct r#Link;

#[connection]
impl r#Link {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn r#ref(&mut self) -> &'static str {
        "ref"
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { seen: Vec::new() }.start().await.unwrap();
    assert_eq!(client.r#type(1, 2, 3, 4).await.unwrap(), 10);
    client.r#fn(r#struct(5)).await.unwrap();
    client.info(r#struct(6)).await.unwrap();
    assert_eq!(client.r#loop(7).await.unwrap(), [5, 6, 7]);
    client.stop(Stop::Normal).await.unwrap();
    let link: LinkClient = r#Link.start().await.unwrap();
    assert_eq!(link.r#ref().await.unwrap(), "ref");
}
