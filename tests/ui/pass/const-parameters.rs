//! Const parameters, alone or beside type parameters, of any const type: the
//! message enum and the client carry them as the block does.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo};

/// The last `N` values pushed; `WRAP` says whether a full ring drops its
/// oldest value or refuses the new one.
struct Ring<T, const N: usize, const WRAP: bool> {
    values: Vec<T>,
}

#[connection]
impl<T: Clone, const N: usize, const WRAP: bool> Ring<T, N, WRAP> {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[info]
    async fn info(&mut self, value: T) {
        self.push(value);
    }

    #[call]
    async fn push_value(&mut self, value: T) -> bool {
        self.push(value)
    }

    #[call]
    async fn values(&mut self, reply: ReplyTo<Vec<T>>) {
        let _ = reply.send(self.values.clone());
    }

    #[call(spawn)]
    async fn capacity(&mut self) -> impl Future<Output = [usize; 1]> {
        async { [N] }
    }

    #[call]
    async fn push_later(&mut self, value: T, ctx: &mut Context<Self>) -> bool {
        ctx.info_sender().try_send(value).is_ok()
    }
}

impl<T, const N: usize, const WRAP: bool> Ring<T, N, WRAP> {
    fn push(&mut self, value: T) -> bool {
        if self.values.len() == N {
            if !WRAP {
                return false;
            }
            self.values.remove(0);
        }
        self.values.push(value);
        true
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let wrapping: RingClient<&'static str, 2, true> = Ring { values: Vec::new() }.start().await.unwrap();
    for value in ["a", "b", "c"] {
        assert!(wrapping.push_value(value).await.unwrap());
    }
    assert_eq!(wrapping.values().await.unwrap(), ["b", "c"]);
    assert_eq!(wrapping.capacity().await.unwrap(), [2]);

    let refusing = Ring::<u8, 1, false> { values: Vec::new() }.start().await.unwrap();
    assert!(refusing.push_value(1).await.unwrap());
    assert!(!refusing.push_value(2).await.unwrap());
    assert!(refusing.push_later(3).await.unwrap());
    assert_eq!(refusing.values().await.unwrap(), [1]);
    // A client of a const-generic connection is `Clone` and `Debug` as any.
    let again = refusing.clone();
    assert!(format!("{again:?}").contains("RingClient"));
}
