use connection::{connection, Attempt, Connect, Context, Disconnect};

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<String>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<String> {
        Disconnect::NoConnect
    }

    #[call]
    async fn again(&mut self, ctx: &mut Context<Self>) {
        // A `String` is asked for: the runtime converts nothing.
        ctx.connect(5_u8);
    }
}

fn main() {}
