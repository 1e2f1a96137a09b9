//! Handlers split over two `#[connection]` blocks for one type: the second
//! (without `#[connect]` and `#[disconnect]`) is one error saying to move its
//! handlers into the first, instead of two expansions that collide.
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
}

#[connection]
impl Conn {
    #[call]
    async fn get(&mut self) -> u32 {
        1
    }
}

fn main() {}
