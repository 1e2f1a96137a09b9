#![allow(unused_imports)]
use std::future::Future;
use connection::{connection, Attempt, Connect, Disconnect, ReplyTo};

struct Conn {
    name: String,
}

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

    #[cast(spawn)]
    async fn note(&mut self, _line: String) {}
}

fn main() {}
