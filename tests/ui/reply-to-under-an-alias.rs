//! A `ReplyTo` under a type alias would be a plain argument the caller must pass: one error on it, saying how to write it.
use connection::{connection, Attempt, Connect, Disconnect, ReplyTo};
type Reply = ReplyTo<u32>;

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
    async fn get(&mut self, reply: Reply) {
        let _ = reply.send(1);
    }
}

fn main() {}
