use connection::pipeline::{LinkError, Pipeline};
use connection::{connection, Attempt, Connect, Context, Disconnect};
use tokio_util::codec::LinesCodec;

pub enum Why {
    Lost(LinkError),
    Asked,
}

struct Kv {
    link: Pipeline<LinesCodec>,
}

#[connection]
impl Kv {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        let (link, _peer) = tokio::io::duplex(64);
        // The disconnect handler takes a `Why`, not a `LinkError`.
        self.link.attach(link, ctx, |lost| lost);
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<()> {
        match why {
            Why::Lost(_) | Why::Asked => Disconnect::NoConnect,
        }
    }
}

fn main() {}
