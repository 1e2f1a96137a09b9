//! `info_vis = pub` publishes the client's info methods.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect};

pub struct Conn {
    last: u32,
}

#[connection(info_vis = pub)]
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
    async fn last(&mut self) -> u32 {
        self.last
    }

    #[info]
    async fn on_info(&mut self, n: u32) {
        self.last = n;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { last: 0 }.start().await.unwrap();
    client.info(3).await.unwrap();
    client.try_info(4).unwrap();
    client.info_sender().send(5).await.unwrap();
    assert_eq!(client.last().await.unwrap(), 5);
}
