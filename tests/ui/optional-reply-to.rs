//! An `Option<ReplyTo<T>>`: a deferred reply is always given.
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

    #[call]
    async fn get(&mut self, reply: Option<ReplyTo<u32>>) {
        if let Some(reply) = reply {
            let _ = reply.send(1);
        }
    }
}

fn main() {}
