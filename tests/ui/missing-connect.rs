use connection::{connection, Disconnect};

struct Conn;

#[connection]
impl Conn {
    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

fn main() {}
