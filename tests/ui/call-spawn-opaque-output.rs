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

    // The answer travels in a channel: a type it can name.
    #[call(spawn)]
    async fn name(&mut self) -> impl Future<Output = impl std::fmt::Display> + Send + 'static {
        async move { 7 }
    }
}

fn main() {}
