//! `crate = ..` naming the package instead of the library it provides.
use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

#[connection(crate = connection_runtime)]
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
