#![allow(unused_imports)]
use connection::{connection, Attempt, Connect, Disconnect, ReplyTo};

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

    #[call(flatten)]
    async fn count(&mut self) -> u32 {
        1
    }
}

fn main() {}
