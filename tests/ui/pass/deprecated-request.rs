//! A deprecated handler: its client method is deprecated for callers, and
//! the generated dispatch, which calls the handler, gives no warning.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect};

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

    /// The old way.
    #[call]
    #[deprecated(note = "use `ping` instead")]
    async fn old_ping(&mut self) -> &'static str {
        "pong"
    }

    /// The new way.
    #[call]
    async fn ping(&mut self) -> &'static str {
        "pong"
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn.start().await.unwrap();
    assert_eq!(client.ping().await.unwrap(), "pong");
    #[allow(deprecated)]
    let old = client.old_ping().await.unwrap();
    assert_eq!(old, "pong");
}
