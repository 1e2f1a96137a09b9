//! `Self` in a request's arguments or reply means the connection's type,
//! as it does in the handler: the message enum and the client spell it out.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect, ReplyTo};

#[derive(Clone, Debug, PartialEq)]
struct Conn {
    n: u32,
}

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

    /// A copy of the state.
    #[call]
    async fn snapshot(&mut self) -> Self {
        self.clone()
    }

    /// Replaces the state, answering with the old one.
    #[call]
    async fn replace(&mut self, with: Box<Self>) -> Option<Self> {
        Some(std::mem::replace(self, *with))
    }

    /// A deferred copy.
    #[call]
    async fn later(&mut self, reply: ReplyTo<Vec<Self>>) {
        let _ = reply.send(vec![self.clone()]);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { n: 1 }.start().await.unwrap();
    assert_eq!(client.snapshot().await.unwrap(), Conn { n: 1 });
    let old = client.replace(Box::new(Conn { n: 2 })).await.unwrap();
    assert_eq!(old, Some(Conn { n: 1 }));
    assert_eq!(client.later().await.unwrap(), [Conn { n: 2 }]);
}
