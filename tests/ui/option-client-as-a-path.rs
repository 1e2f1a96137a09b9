use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

#[connection(client = handles::Handle)]
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
