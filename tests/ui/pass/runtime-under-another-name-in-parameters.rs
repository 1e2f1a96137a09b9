//! With the runtime under another name (`crate = rt`), its context and
//! deferred reply written through that name (`rt::Context<Self>`,
//! `rt::ReplyTo<T>`) are the runtime's: an application with a `Context` of
//! its own takes the connection's this way. Markers through that name
//! (`#[rt::call]`, `#[rt::markers::disconnect]`) are markers.
#![deny(warnings)]
use connection as rt;
use rt::{Attempt, Connect, Disconnect};

/// The application's own context, which takes the name.
pub struct Context {
    pub label: &'static str,
}

struct Conn {
    n: u32,
}

#[rt::connection(crate = rt)]
impl Conn {
    #[rt::connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut rt::Context<Self>) -> Connect {
        assert!(!ctx.is_connected());
        Connect::Ok
    }

    #[rt::markers::disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn connected(&mut self, ctx: &mut rt::Context<Self>) -> bool {
        ctx.is_connected()
    }

    #[rt::call]
    async fn later(&mut self, reply: rt::ReplyTo<u32>) {
        let _ = reply.send(self.n);
    }

    #[call]
    async fn labelled(&mut self, app: Context) -> String {
        format!("{}: {}", app.label, self.n)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { n: 1 }.start().await.unwrap();
    assert!(client.connected().await.unwrap());
    assert_eq!(client.later().await.unwrap(), 1);
    assert_eq!(client.labelled(Context { label: "app" }).await.unwrap(), "app: 1");
}
