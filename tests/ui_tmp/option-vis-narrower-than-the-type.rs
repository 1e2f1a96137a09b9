//! `vis` narrower than the connection type's own: the public impl of the
//! trait names the client and the message, which would be less visible.
use connection::{connection, Attempt, Connect, Disconnect};

pub struct Conn;

#[connection(vis = pub(crate))]
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
