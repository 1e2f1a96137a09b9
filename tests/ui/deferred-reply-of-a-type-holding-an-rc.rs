//! A deferred reply (`ReplyTo<T>`) whose `T` is not `Send`.
use std::rc::Rc;

use connection::{connection, Attempt, Connect, Disconnect, ReplyTo};

pub struct Snapshot(Rc<Vec<u8>>);

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
    async fn snapshot(&mut self, reply: ReplyTo<Snapshot>) {
        let _ = reply.send(Snapshot(Rc::new(Vec::new())));
    }
}

fn main() {}
