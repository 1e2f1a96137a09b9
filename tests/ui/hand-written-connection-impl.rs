//! A hand-written `impl ConnectionTypes` and `impl Connection` beside the
//! ones `#[connection]` writes.
use connection::{connection, Attempt, Connect, Context, Disconnect, Init};

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

impl connection::ConnectionTypes for Conn {
    type Message = ();
    type ConnectInfo = ();
    type DisconnectInfo = ();
    type Info = ();
    type Client = connection::Client<Conn>;
}

impl connection::Connection for Conn {
    async fn init(&mut self, _ctx: &mut Context<Self>) -> Init<()> {
        Init::Ok
    }

    async fn connect(&mut self, _attempt: Attempt<()>, _ctx: &mut Context<Self>) -> Connect {
        Connect::Ok
    }

    async fn disconnect(&mut self, _info: (), _ctx: &mut Context<Self>) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    async fn handle(&mut self, _message: (), _ctx: &mut Context<Self>) {}
}

fn main() {}
