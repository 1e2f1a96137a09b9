//! A hand-written `impl Request` for the message enum `#[connection]`
//! generates (and implements `Request` for).
use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[cast]
    async fn poke(&mut self) {}
}

impl connection::Request for ConnMessage {
    fn name(&self) -> &'static str {
        "poke"
    }
}

fn main() {}
