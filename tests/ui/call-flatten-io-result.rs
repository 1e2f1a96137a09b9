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

    /// An alias of `Result` is a `Result`; its error still needs
    /// `From<CallError>`, which `io::Error` (another crate's) cannot have.
    #[call(flatten)]
    async fn read(&mut self) -> std::io::Result<Vec<u8>> {
        Ok(Vec::new())
    }
}

fn main() {}
