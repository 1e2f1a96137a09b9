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

    // The task runs on any worker: its future must be `Send`.
    #[call(spawn)]
    async fn shared(&mut self) -> impl Future<Output = usize> + 'static {
        async move {
            let shared = std::rc::Rc::new(1);
            tokio::task::yield_now().await;
            *shared
        }
    }
}

fn main() {}
