#![allow(unused_imports)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo};

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

    #[call]
    async fn numbers(&mut self) -> impl Iterator<Item = u8> {
        vec![1, 2].into_iter()
    }
}

fn main() {}
