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

    // `spawn` answers with the future's output: no `ReplyTo` as well.
    #[call(spawn)]
    async fn name(&mut self, _reply: ReplyTo<String>) -> impl Future<Output = String> + Send + 'static {
        let name = self.name.clone();
        async move { name }
    }
}

fn main() {}
