//! `self: &mut Self` is the same receiver as `&mut self`.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect};

struct Conn {
    n: u32,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(self: &mut Self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn bump(self: &mut Self) -> u32 {
        self.n += 1;
        self.n
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { n: 0 }.start().await.unwrap();
    assert_eq!(client.bump().await.unwrap(), 1);
}
