//! One handler of every kind, every optional context taken.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, Init, ReplyTo, Stop};
use std::time::Duration;

struct Device {
    waiting: Vec<ReplyTo<u32>>,
}

#[connection]
impl Device {
    #[init]
    async fn init(&mut self) -> Init<u8> {
        Init::Connect(1)
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<u8>, ctx: &mut Context<Self>) -> Connect {
        ctx.idle_timeout(Duration::from_secs(1));
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: String, _ctx: &mut Context<Self>) -> Disconnect<u8> {
        Disconnect::Connect(2)
    }

    #[call]
    async fn now(&mut self, _ctx: &mut Context<Self>) -> u32 {
        1
    }

    #[call]
    async fn later(&mut self, reply: ReplyTo<u32>) {
        self.waiting.push(reply);
    }

    #[cast]
    async fn poke(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect("poked".to_owned());
    }

    #[info]
    async fn on_info(&mut self, value: u32, _ctx: &mut Context<Self>) {
        for reply in self.waiting.drain(..) {
            let _ = reply.send(value);
        }
    }

    #[timeout]
    async fn idle(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(Stop::Normal);
    }

    #[flush]
    async fn flush(&mut self, _ctx: &mut Context<Self>) {}

    #[terminate]
    async fn terminate(&mut self, _reason: &Stop) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Device { waiting: Vec::new() }.start().await.unwrap();
    assert_eq!(client.now().await.unwrap(), 1);
    client.poke().await.unwrap();
    client.info(3).await.unwrap();
    client.stop(Stop::Normal).await.unwrap();
}
