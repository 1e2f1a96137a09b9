//! `#[must_use]` on a handler stays on the handler: the generated dispatch
//! uses its value (it is the reply), and the client method's `Result` is
//! `#[must_use]` already; nothing warns under `deny(warnings)`.
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

    /// The answer.
    #[call]
    #[must_use]
    async fn answer(&mut self) -> u32 {
        42
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn.start().await.unwrap();
    assert_eq!(client.answer().await.unwrap(), 42);
}
