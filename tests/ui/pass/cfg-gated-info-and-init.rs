//! An `#[info]` compiled out (its type with it: the connection then takes
//! no infos) beside an `#[init]` compiled in, and the other way round in a
//! second block.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect, Init, ReplyTo, Stop};

#[cfg(any())]
struct OnlyWithInfo(std::rc::Rc<u8>);

struct WithInit {
    log: Vec<&'static str>,
}

#[connection]
impl WithInit {
    #[cfg(all())]
    #[init]
    async fn init(&mut self) -> Init<&'static str> {
        Init::Connect("from init")
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<&'static str>) -> Connect {
        if let Attempt::Requested(info) = attempt {
            self.log.push(info);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<&'static str> {
        Disconnect::NoConnect
    }

    #[cfg(any())]
    #[info]
    async fn only(&mut self, info: OnlyWithInfo) {
        let _ = info;
    }

    #[call]
    async fn log(&mut self, reply: ReplyTo<Vec<&'static str>>) {
        let _ = reply.send(self.log.clone());
    }
}

struct WithInfo {
    log: Vec<&'static str>,
}

#[connection]
impl WithInfo {
    #[cfg(any())]
    #[init]
    async fn init(&mut self) -> Init<&'static str> {
        Init::Connect("never")
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<&'static str>) -> Connect {
        if let Attempt::Requested(info) = attempt {
            self.log.push(info);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<&'static str> {
        Disconnect::NoConnect
    }

    #[cfg(all())]
    #[info]
    async fn info(&mut self, line: &'static str) {
        self.log.push(line);
    }

    #[call]
    async fn log(&mut self, reply: ReplyTo<Vec<&'static str>>) {
        let _ = reply.send(self.log.clone());
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let with_init = WithInit { log: Vec::new() }.start().await.unwrap();
    assert_eq!(with_init.log().await.unwrap(), ["from init"]);
    with_init.stop(Stop::Normal).await.unwrap();
    let with_info = WithInfo { log: Vec::new() }.start().await.unwrap();
    with_info.info("info").await.unwrap();
    // Without its `#[init]`, the first connect got the info's default.
    assert_eq!(with_info.log().await.unwrap(), ["", "info"]);
    with_info.stop(Stop::Normal).await.unwrap();
}
