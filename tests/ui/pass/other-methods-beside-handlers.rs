//! Unmarked methods, constants and types stay in the block untouched and can
//! be used by the handlers.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect};

struct Counter {
    n: u32,
}

#[connection]
impl Counter {
    const STEP: u32 = 2;

    fn bump(&mut self) -> u32 {
        self.n += Self::STEP;
        self.n
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn next(&mut self) -> u32 {
        self.bump()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Counter { n: 0 }.start().await.unwrap();
    assert_eq!(client.next().await.unwrap(), 2);
    assert_eq!(client.next().await.unwrap(), 4);
}
