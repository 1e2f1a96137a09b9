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

    #[cast]
    async fn write(&mut self, bytes: Vec<&[u8]>) {
        let _ = bytes;
    }
}

fn main() {}
