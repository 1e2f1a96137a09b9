#![allow(unused_imports)]
use connection::{connection, Attempt, Connect, Disconnect, ReplyTo};

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

    #[call(flatten = true)]
    async fn count(&mut self) -> Result<u32, String> {
        Ok(1)
    }
}

fn main() {}
