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

    #[cast(flatten)]
    async fn note(&mut self, _line: String) {}
}

fn main() {}
