//! A type of the user's own already named like the generated client.
use connection::{connection, Attempt, Connect, Disconnect};

pub struct ConnClient;

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

fn main() {
    let _ = ConnClient;
}
