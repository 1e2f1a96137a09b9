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

    // The task outlives the handler: its future cannot borrow `self`.
    #[call(spawn)]
    async fn length(&mut self) -> impl Future<Output = usize> {
        async move { self.name.len() }
    }
}

fn main() {}
