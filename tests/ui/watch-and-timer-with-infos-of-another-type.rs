use connection::{connection, Attempt, Connect, Context, Disconnect};
use std::time::Duration;

pub enum Why {
    Lost(String),
}

pub struct Tick;

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        // A `Why` and a `Tick` are asked for: the runtime converts nothing.
        ctx.disconnect_when(async { "driver ended".to_owned() });
        ctx.send_after("tick", Duration::from_secs(1));
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<()> {
        let Why::Lost(_) = why;
        Disconnect::NoConnect
    }

    #[info]
    async fn tick(&mut self, _tick: Tick) {}
}

fn main() {}
