//! `#[cfg]` alternatives of `#[init]`, `#[connect]`, `#[disconnect]` and
//! `#[info]` written with other types (a TLS link's infos and a plain
//! one's): the types compiled in are the connection's, whichever set that
//! is, and the other set's types may not exist at all. Without `#[init]`,
//! the first connect gets the default of the connect info compiled in (the
//! other may have none).
#![deny(warnings)]

use connection::{connection, Attempt, Connect, Context, Disconnect, Init, ReplyTo, Stop};

/// Types of the set compiled out: none of them exists.
#[cfg(any())]
mod tls {
    pub struct Info;
    pub struct Lost;
    pub struct Note;
}

/// The set compiled in: other types than the other set's.
enum Lost {
    Asked(&'static str),
}

struct Plain {
    log: Vec<String>,
}

#[connection]
impl Plain {
    #[cfg(any())]
    #[init]
    async fn init(&mut self) -> Init<tls::Info> {
        Init::Connect(tls::Info)
    }

    #[cfg(all())]
    #[init]
    async fn init(&mut self) -> Init<String> {
        Init::Connect("first".to_owned())
    }

    #[cfg(any())]
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<tls::Info>) -> Connect {
        Connect::Ok
    }

    #[cfg(all())]
    #[connect]
    async fn connect(&mut self, attempt: Attempt<String>) -> Connect {
        if let Attempt::Requested(info) = attempt {
            self.log.push(format!("connect {info}"));
        }
        Connect::Ok
    }

    #[cfg(any())]
    #[disconnect]
    async fn disconnect(&mut self, _lost: tls::Lost) -> Disconnect<tls::Info> {
        Disconnect::Connect(tls::Info)
    }

    #[cfg(all())]
    #[disconnect]
    async fn disconnect(&mut self, lost: Lost) -> Disconnect<String> {
        let Lost::Asked(why) = lost;
        self.log.push(format!("disconnect {why}"));
        Disconnect::Connect("again".to_owned())
    }

    #[cfg(any())]
    #[info]
    async fn note(&mut self, _note: tls::Note) {}

    #[cfg(all())]
    #[info]
    async fn note(&mut self, note: u32, ctx: &mut Context<Self>) {
        self.log.push(format!("note {note}"));
        ctx.disconnect(Lost::Asked("noted"));
    }

    #[call]
    async fn log(&mut self, reply: ReplyTo<Vec<String>>) {
        let _ = reply.send(self.log.clone());
    }
}

/// Connect infos of other types and no `#[init]`: the first connect gets
/// the default of the one compiled in; the other has no `Default`.
#[cfg(any())]
struct NoDefault;

struct Defaulted {
    log: Vec<u16>,
}

#[connection]
impl Defaulted {
    #[cfg(any())]
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<NoDefault>) -> Connect {
        Connect::Ok
    }

    #[cfg(not(any()))]
    #[connect]
    async fn connect(&mut self, attempt: Attempt<u16>) -> Connect {
        if let Attempt::Requested(info) = attempt {
            self.log.push(info);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _lost: ()) -> Disconnect<u16> {
        Disconnect::NoConnect
    }

    #[call]
    async fn log(&mut self, reply: ReplyTo<Vec<u16>>) {
        let _ = reply.send(self.log.clone());
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let plain = Plain { log: Vec::new() }.start().await.unwrap();
    plain.info(7).await.unwrap();
    assert_eq!(
        plain.log().await.unwrap(),
        ["connect first", "note 7", "disconnect noted", "connect again"]
    );
    plain.stop(Stop::Normal).await.unwrap();

    let defaulted = Defaulted { log: Vec::new() }.start().await.unwrap();
    assert_eq!(defaulted.log().await.unwrap(), [0]);
    defaulted.stop(Stop::Normal).await.unwrap();
}
