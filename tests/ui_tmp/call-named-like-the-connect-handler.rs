//! A call named `connect` while the connect handler has another name.
use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn dial(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn hang_up(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn connect(&mut self) -> u32 {
        1
    }

    #[cast]
    async fn disconnect(&mut self) {}
}

fn main() {}
