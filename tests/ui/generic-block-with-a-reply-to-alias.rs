//! A generic block whose deferred reply is a `ReplyTo` under an alias: the
//! client method would ask its caller for one.
use connection::{connection, Attempt, Connect, Disconnect, ReplyTo};

type Reply<T> = ReplyTo<T>;

struct Store<T> {
    items: Vec<T>,
}

#[connection]
impl<T: Clone> Store<T> {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn first(&mut self, reply: Reply<Option<T>>) {
        let _ = reply.send(self.items.first().cloned());
    }
}

fn main() {}
