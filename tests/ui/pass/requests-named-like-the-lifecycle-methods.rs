//! A call named `connect` and a cast named `disconnect`, the lifecycle
//! handlers named otherwise: the generated impl's methods of those names
//! forward to the handlers, the client's to the requests.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect, Stop};

struct Conn {
    dials: u32,
    casts: u32,
}

#[connection]
impl Conn {
    #[connect]
    async fn dial(&mut self, _attempt: Attempt<()>) -> Connect {
        self.dials += 1;
        Connect::Ok
    }

    #[disconnect]
    async fn hang_up(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn connect(&mut self) -> (u32, u32) {
        (self.dials, self.casts)
    }

    #[cast]
    async fn disconnect(&mut self) {
        self.casts += 1;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { dials: 0, casts: 0 }.start().await.unwrap();
    client.disconnect().await.unwrap();
    assert_eq!(client.connect().await.unwrap(), (1, 1));
    client.stop(Stop::Normal).await.unwrap();
}
