#![allow(unused_imports)]
#[derive(Debug)]
pub struct CountError;
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

    /// The error type cannot be made from a `CallError`.
    #[call(flatten)]
    async fn count(&mut self, reply: ReplyTo<Result<u32, CountError>>) {
        let _ = reply.send(Ok(1));
    }
}

fn main() {}
