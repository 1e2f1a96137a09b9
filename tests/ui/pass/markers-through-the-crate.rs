//! Markers named through the runtime crate work as the bare ones.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

#[connection]
impl Conn {
    #[connection::connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[connection::markers::disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[connection::call]
    async fn ping(&mut self) -> &'static str {
        "pong"
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn.start().await.unwrap();
    assert_eq!(client.ping().await.unwrap(), "pong");
}
