//! `#[init]`, `#[connect]`, `#[disconnect]` and `#[info]` handlers written
//! twice under opposite `#[cfg]`s (a TLS link and a plain one, say), with
//! the same types and different parameters: the one compiled in is the
//! connection's; with every `#[init]` compiled out, the default.
#![deny(warnings)]

use connection::{connection, Attempt, Connect, Context, Disconnect};

/// An info type private to this module.
struct Note(&'static str);

struct Link {
    log: Vec<&'static str>,
}

#[connection]
impl Link {
    #[cfg(all())]
    #[connect]
    async fn connect(&mut self, attempt: Attempt<u8>, ctx: &mut Context<Self>) -> Connect {
        let _ = ctx.is_connected();
        self.log.push(match attempt {
            Attempt::Requested(1) => "connected once",
            _ => "connected again",
        });
        Connect::Ok
    }

    #[cfg(any())]
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<u8>) -> Connect {
        self.log.push("the other connect");
        Connect::Ok
    }

    #[cfg(any())]
    #[disconnect]
    async fn lost(&mut self, why: &'static str) -> Disconnect<u8> {
        self.log.push(why);
        Disconnect::NoConnect
    }

    #[cfg(not(any()))]
    #[disconnect]
    async fn disconnect(&mut self, why: &'static str, ctx: &mut Context<Self>) -> Disconnect<u8> {
        let _ = ctx.is_connected();
        self.log.push(why);
        Disconnect::Connect(2)
    }

    #[cfg(any())]
    #[init]
    async fn init(&mut self) -> connection::Init<u8> {
        connection::Init::Connect(7)
    }

    #[cfg(all())]
    #[init]
    async fn first_connect(&mut self, ctx: &mut Context<Self>) -> connection::Init<u8> {
        let _ = ctx.is_connected();
        connection::Init::Connect(1)
    }

    #[cfg(any())]
    #[info]
    async fn on_note(&mut self, _note: Note) {
        self.log.push("the other info");
    }

    #[cfg(all())]
    #[info]
    async fn noted(&mut self, note: Note, ctx: &mut Context<Self>) {
        let _ = ctx.is_connected();
        self.log.push(note.0);
    }

    #[call]
    async fn bounce(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect("bounced");
    }

    #[call]
    async fn log(&mut self) -> Vec<&'static str> {
        self.log.clone()
    }
}

/// Every `#[init]` compiled out: the default, a connect with `u8::default()`.
struct Defaulted(Option<u8>);

#[connection]
impl Defaulted {
    #[cfg(any())]
    #[init]
    async fn init(&mut self) -> connection::Init<u8> {
        connection::Init::Connect(7)
    }

    #[cfg(not(all()))]
    #[init]
    async fn other_init(&mut self) -> connection::Init<u8> {
        connection::Init::Ok
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<u8>) -> Connect {
        self.0 = attempt.into_info();
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<u8> {
        Disconnect::NoConnect
    }

    #[call]
    async fn first(&mut self) -> Option<u8> {
        self.0
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let defaulted = Defaulted(None).start().await.unwrap();
    assert_eq!(defaulted.first().await.unwrap(), Some(0));
    let link = Link { log: Vec::new() }.start().await.unwrap();
    link.bounce().await.unwrap();
    link.info(Note("noted")).await.unwrap();
    assert_eq!(
        link.log().await.unwrap(),
        ["connected once", "bounced", "connected again", "noted"]
    );
}
