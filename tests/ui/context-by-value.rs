//! The context taken by value: the macro knows it as `&mut Context<Self>`.
use connection::{connection, Attempt, Connect, Context, Disconnect};

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
    async fn get(&mut self, ctx: Context<Self>) -> u32 {
        let _ = ctx;
        1
    }
}

fn main() {}
