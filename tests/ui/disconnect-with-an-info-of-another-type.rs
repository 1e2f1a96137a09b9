use connection::{connection, Attempt, Connect, Context, Disconnect, LinkToken};

pub enum Why {
    Lost(String),
}

struct Conn {
    token: Option<LinkToken<Self>>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        self.token = Some(ctx.link_token());
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<()> {
        let Why::Lost(_) = why;
        Disconnect::NoConnect
    }

    #[call]
    async fn drop_link(&mut self, ctx: &mut Context<Self>) {
        // A `Why` is asked for: the runtime converts nothing.
        ctx.disconnect("asked");
        if let Some(token) = &self.token {
            token.lost("unanswered".to_owned());
        }
    }
}

fn main() {}
