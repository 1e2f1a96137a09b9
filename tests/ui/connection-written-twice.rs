//! `#[connection]` written twice: one error on the second, and the block is
//! expanded once (instead of two expansions whose every item collides).
use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

#[connection]
#[connection(client = Handle)]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

fn main() {}
