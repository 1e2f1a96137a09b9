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
    async fn disconnect(&mut self, why: &String) -> Disconnect<()> {
        let _ = why;
        Disconnect::NoConnect
    }
}

fn main() {}
