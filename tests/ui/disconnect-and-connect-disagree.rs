//! `#[disconnect]` returns `Disconnect<A>` while `#[connect]` takes
//! `Attempt<B>`: the error is on `A` and says that the connect handler fixed
//! the type.
use std::net::SocketAddr;

use connection::{connection, Attempt, Connect, Disconnect, Init};

struct Conn {
    addr: SocketAddr,
}

#[connection]
impl Conn {
    #[init]
    async fn init(&mut self) -> Init<SocketAddr> {
        Init::Connect(self.addr)
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<SocketAddr>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<String> {
        Disconnect::Connect(self.addr.to_string())
    }
}

fn main() {}
