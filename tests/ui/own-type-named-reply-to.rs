//! A type of the user's own named `ReplyTo`, written bare: `#[connection]` takes the bare name for its deferred reply, and the error says to write the path.
use connection::{connection, Attempt, Connect, Disconnect};
mod mine {
    pub struct ReplyTo<T>(pub T);
}
use mine::ReplyTo;

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
    async fn get(&mut self, reply: ReplyTo<u32>) {
        let _ = reply.0;
    }
}

fn main() {}
