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

    #[info]
    async fn on_line(&mut self, line: &str) {
        let _ = line;
    }
}

fn main() {}
