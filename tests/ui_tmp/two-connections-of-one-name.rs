//! Two types of one name in two modules of one scope, each a connection:
//! their generated items collide where both expand.
use connection::{connection, Attempt, Connect, Disconnect};

mod a {
    pub struct Conn;
}

mod b {
    pub struct Conn;
}

#[connection]
impl a::Conn {
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
impl b::Conn {
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
