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

    #[call]
    async fn good(&mut self) -> u32 {
        1
    }

    #[call]
    fn broken(&mut self) -> u32 {
        2
    }
}

// Only the macro's error is reported: the client and its `good` method
// still exist, so this code type-checks.
async fn use_it() -> Result<u32, connection::CallError> {
    let client = Conn.start().await.unwrap();
    client.good().await
}

fn main() {
    let _ = use_it;
}
