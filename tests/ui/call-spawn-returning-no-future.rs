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

    // Not a future: `spawn` needs one, written with its output.
    #[call(spawn)]
    async fn length(&mut self) -> usize {
        self.name.len()
    }

    #[call(spawn)]
    async fn nothing(&mut self) {}
}

fn main() {}
