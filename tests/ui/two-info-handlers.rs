#![allow(unused_imports)]
use connection::{connection, Attempt, Connect, Context, Disconnect, Init, ReplyTo, Stop};

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

    #[info]
    async fn info(&mut self, _message: u8) {}

    #[info]
    async fn info_again(&mut self, _message: u8) {}
}

fn main() {}
