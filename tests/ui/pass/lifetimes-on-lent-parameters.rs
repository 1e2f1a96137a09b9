//! A handler may declare lifetimes for what is only lent to it (the
//! receiver, the context, `#[terminate]`'s reason): nothing generic reaches
//! its message variant or client method.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, Stop};
use std::sync::{Arc, Mutex};

struct Conn {
    n: u32,
    stopped: Arc<Mutex<Option<String>>>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect<'a, 'c>(&'a mut self, _attempt: Attempt<()>, ctx: &'c mut Context<Self>) -> Connect {
        assert!(!ctx.is_connected());
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn get<'a>(&'a mut self) -> u32 {
        self.n
    }

    #[call]
    async fn add(&'_ mut self, x: u32) -> u32 {
        self.n += x;
        self.n
    }

    #[cast]
    async fn connected<'c>(&mut self, ctx: &'c mut Context<Self>) {
        self.n = u32::from(ctx.is_connected());
    }

    #[terminate]
    async fn terminate<'r>(&mut self, reason: &'r Stop) {
        *self.stopped.lock().unwrap() = Some(reason.to_string());
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let stopped = Arc::new(Mutex::new(None));
    let client = Conn { n: 1, stopped: stopped.clone() }.start().await.unwrap();
    assert_eq!(client.get().await.unwrap(), 1);
    assert_eq!(client.add(2).await.unwrap(), 3);
    client.connected().await.unwrap();
    assert_eq!(client.get().await.unwrap(), 1);
    client.stop(Stop::Normal).await.unwrap();
    assert_eq!(stopped.lock().unwrap().as_deref(), Some("normal"));
}
