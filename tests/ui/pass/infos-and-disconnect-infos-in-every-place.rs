//! Infos, connect and disconnect infos of the handlers' own types (private
//! ones) given to the runtime in every place that takes one: `ctx.connect`,
//! `ctx.disconnect`, a watch's output, a link token, `send_after`, attached
//! streams (mapped or not), the client's and an `InfoSender`'s `send`; and
//! through a generic helper bounded by `Into` the connection's
//! `DisconnectInfo`.
#![deny(warnings)]
use std::time::Duration;

use connection::{connection, Attempt, Connect, Connection, Context, Disconnect, LinkToken, ReplyTo, Stop};

enum Why {
    Said(String),
    Code(u16),
}

struct Tick(u32);

/// Disconnects through any `Into` of the connection's disconnect info.
fn disconnect_with<C: Connection>(ctx: &mut Context<C>, why: impl Into<C::DisconnectInfo>) {
    ctx.disconnect(why);
}

struct Conn {
    log: Vec<String>,
    token: Option<LinkToken<Self>>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        self.token = Some(ctx.link_token());
        ctx.disconnect_when(async {
            std::future::pending::<()>().await;
            Why::Code(503)
        });
        ctx.send_after(Tick(1), Duration::from_millis(10));
        ctx.send_after(Tick(2), Duration::from_millis(10));
        ctx.attach(futures_stream([Tick(3)]), |tick| tick, Tick(4));
        ctx.attach_until_disconnect(futures_stream([5]), Tick, Tick(6));
        let sender = ctx.info_sender();
        tokio::spawn(async move {
            let _ = sender.send(Tick(7)).await;
        });
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<()> {
        self.log.push(match why {
            Why::Said(said) => format!("said {said}"),
            Why::Code(code) => format!("code {code}"),
        });
        Disconnect::NoConnect
    }

    #[info]
    async fn tick(&mut self, tick: Tick) {
        self.log.push(tick.0.to_string());
    }

    #[call]
    async fn drop_link(&mut self, said: String, ctx: &mut Context<Self>) {
        disconnect_with(ctx, Why::Said(said));
    }

    #[call]
    async fn drop_link_by_code(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect(Why::Code(500));
    }

    #[call(when_disconnected = run)]
    async fn reconnect(&mut self, ctx: &mut Context<Self>) {
        ctx.connect(());
    }

    #[call]
    async fn report_lost(&mut self) {
        if let Some(token) = &self.token {
            token.lost(Why::Said("by the token".to_owned()));
        }
    }

    #[call]
    async fn log(&mut self, reply: ReplyTo<Vec<String>>) {
        let mut log = self.log.clone();
        log.sort_unstable();
        let _ = reply.send(log);
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let client = Conn { log: Vec::new(), token: None }.start().await.unwrap();
    client.info_sender().send(Tick(8)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    client.report_lost().await.unwrap();
    client.drop_link_by_code().await.unwrap();
    client.drop_link("said".to_owned()).await.unwrap();
    assert_eq!(
        client.log().await.unwrap(),
        ["1", "2", "3", "4", "5", "6", "7", "8", "code 500", "said by the token", "said said"]
    );
    client.reconnect().await.unwrap();
    assert!(client.is_connected());
    client.stop(Stop::Normal).await.unwrap();
}

fn futures_stream<T: Send + Unpin + 'static>(
    items: impl IntoIterator<Item = T, IntoIter: Send + Unpin + 'static>,
) -> impl futures_core::Stream<Item = T> + Send + 'static {
    struct Iter<I>(I);
    impl<I: Iterator + Unpin> futures_core::Stream for Iter<I> {
        type Item = I::Item;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<I::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Iter(items.into_iter())
}
