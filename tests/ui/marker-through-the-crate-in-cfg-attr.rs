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

    /// A marker through the crate under `cfg_attr`, with a predicate that
    /// holds: one error, the macro's (the attribute is taken off, so it is
    /// not also rustc's "cannot find `call` in `connection`").
    #[cfg_attr(all(), connection::call)]
    async fn get(&mut self) -> u32 {
        1
    }
}

fn main() {}
