//! `Attempt` under an alias: the macro reads the connect info type from the
//! written `Attempt<I>`, and says so.
use connection::{connection, Attempt, Connect, Disconnect};

type Try = Attempt<()>;

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Try) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

fn main() {}
