use connection::{connection, Attempt, Connect, Disconnect, Init};

struct Conn;

#[connection]
impl Conn {
    #[init]
    async fn init(&mut self) -> Init<u32> {
        Init::Connect(1)
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<String>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<String> {
        Disconnect::NoConnect
    }
}

fn main() {}
