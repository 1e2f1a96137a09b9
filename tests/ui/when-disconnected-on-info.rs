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

    #[info(when_disconnected = queue)]
    async fn on_info(&mut self, _message: u8) {}
}

fn main() {}
