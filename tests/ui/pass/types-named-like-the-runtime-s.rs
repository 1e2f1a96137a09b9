//! Types of the user's own that share a name with the runtime's
//! (`ReplyTo`, `Context`), written by their path, are plain arguments.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect};

mod mine {
    /// Where a job's result goes: the user's own, not a deferred reply.
    #[derive(Debug, PartialEq)]
    pub struct ReplyTo<T>(pub T);

    /// A trace context.
    #[derive(Debug, PartialEq)]
    pub struct Context {
        pub trace: u64,
    }
}

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
    async fn route(&mut self, to: mine::ReplyTo<u32>, trace: mine::Context) -> (u32, u64) {
        (to.0, trace.trace)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn.start().await.unwrap();
    let answer = client.route(mine::ReplyTo(7), mine::Context { trace: 9 }).await.unwrap();
    assert_eq!(answer, (7, 9));
}
