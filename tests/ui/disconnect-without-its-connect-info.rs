use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<u32>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect {
        Disconnect::Connect(1)
    }
}

fn main() {}
