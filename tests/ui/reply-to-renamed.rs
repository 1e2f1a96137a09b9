//! A `ReplyTo` imported under another name.
use connection::{connection, Attempt, Connect, Disconnect};
use connection::ReplyTo as Deferred;

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
    async fn get(&mut self, reply: Deferred<u32>) {
        let _ = reply.send(1);
    }
}

fn main() {}
