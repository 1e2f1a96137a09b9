//! The context under an alias (`&mut Ctx`) reads as a borrowed argument; the error says to write `&mut Context<Self>`.
use connection::{connection, Attempt, Connect, Context, Disconnect};
type Ctx = Context<Conn>;

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

    #[cast]
    async fn poke(&mut self, ctx: &mut Ctx) {
        ctx.disconnect(());
    }
}

fn main() {}
