//! A non-generic alias named like the runtime's `Disconnect` (or `Init`) is
//! the user's to write: `-> Disconnect` without parameters is valid here.
#![deny(warnings)]
use connection::{connection, Attempt, Connect};

type Disconnect = connection::Disconnect<u8>;
type Init = connection::Init<u8>;

struct Conn;

#[connection]
impl Conn {
    #[init]
    async fn init(&mut self) -> Init {
        Init::Connect(1)
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<u8>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect {
        Disconnect::NoConnect
    }

    #[call]
    async fn ping(&mut self) -> u8 {
        7
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn.start().await.unwrap();
    assert_eq!(client.ping().await.unwrap(), 7);
}
