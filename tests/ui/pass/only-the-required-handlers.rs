//! The smallest block: `#[connect]` and `#[disconnect]`, nothing else.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect, Stop};

struct Minimal;

#[connection]
impl Minimal {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Minimal.start().await.unwrap();
    assert!(client.is_alive());
    client.stop(Stop::Normal).await.unwrap();
    assert!(!client.is_alive());
}
