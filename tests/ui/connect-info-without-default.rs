use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

/// Where to connect: no sensible default.
struct Target(std::net::SocketAddr);

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Target>) -> Connect {
        let _ = attempt;
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<Target> {
        Disconnect::NoConnect
    }
}

fn main() {}
