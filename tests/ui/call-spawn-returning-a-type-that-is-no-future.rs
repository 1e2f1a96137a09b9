use connection::{connection, Attempt, Connect, Disconnect};

pub struct Ticket(u32);

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

    /// A type named without a future's output may be a future (an alias,
    /// `JoinHandle<R>`): this one is not.
    #[call(spawn)]
    async fn ticket(&mut self) -> Ticket {
        Ticket(1)
    }
}

fn main() {}
