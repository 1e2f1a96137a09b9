//! A handler's parameter may be any irrefutable pattern, as in any method:
//! the handler keeps it and the client method names it `arg1`, `arg2`.. by
//! position (skipping a name another parameter has, and `reply_to`).
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo};

#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    left: u32,
    right: u32,
}

struct Conn {
    infos: Vec<u32>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[info]
    async fn info(&mut self, (a, b): (u32, u32)) {
        self.infos.push(a + b);
    }

    #[call]
    async fn sum(
        &mut self,
        (a, b): (u32, u32),
        mut c: u32,
        _: u8,
        Pair { left, right }: Pair,
        ref d: u32,
    ) -> u32 {
        c += 1;
        a + b + c + left + right + *d
    }

    /// `arg1` is taken by the second parameter: the first is `arg1_`.
    #[call]
    async fn named_like_generated(&mut self, [x, y]: [u32; 2], arg1: u32) -> u32 {
        x + y + arg1
    }

    #[call]
    async fn deferred(&mut self, (a, b): (u32, u32), reply: ReplyTo<u32>) {
        let _ = reply.send(a * b);
    }

    #[call(spawn)]
    async fn spawned(&mut self, (a, b): (u32, u32)) -> impl Future<Output = u32> {
        async move { a - b }
    }

    /// Answered once the info is in the mailbox, ahead of the next call.
    #[call]
    async fn send_self(&mut self, (a, b): (u32, u32), ctx: &mut Context<Self>) -> bool {
        ctx.info_sender().try_send((a, b)).is_ok()
    }

    #[call]
    async fn infos(&mut self) -> Vec<u32> {
        self.infos.clone()
    }
}

/// The variants' fields are the client methods' parameter names.
fn field_names(message: ConnMessage) -> u32 {
    match message {
        ConnMessage::Sum { arg1, c, arg3, arg4, d, .. } => arg1.0 + c + u32::from(arg3) + arg4.left + d,
        ConnMessage::NamedLikeGenerated { arg1_, arg1, .. } => arg1_[0] + arg1,
        ConnMessage::Deferred { arg1, .. } | ConnMessage::Spawned { arg1, .. } | ConnMessage::SendSelf { arg1, .. } => arg1.0,
        ConnMessage::Infos { .. } => 0,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { infos: Vec::new() }.start().await.unwrap();
    let pair = Pair { left: 10, right: 20 };
    assert_eq!(client.sum((1, 2), 3, 0, pair, 100).await.unwrap(), 1 + 2 + 4 + 30 + 100);
    assert_eq!(client.named_like_generated([1, 2], 3).await.unwrap(), 6);
    assert_eq!(client.deferred((6, 7)).await.unwrap(), 42);
    assert_eq!(client.spawned((9, 4)).await.unwrap(), 5);
    assert!(client.send_self((2, 3)).await.unwrap());
    assert_eq!(client.infos().await.unwrap(), vec![5]);
    // The variant's fields are the client method's names.
    let _ = field_names;
}
