//! `#[init]` and `#[connect]` alternatives under `#[cfg]` with connect infos
//! of other types, paired wrongly: the `#[init]` compiled in names the
//! connect info of the `#[connect]` compiled out.
use connection::{connection, Attempt, Connect, Disconnect, Init};

struct Link;

#[connection]
impl Link {
    #[cfg(all())]
    #[init]
    async fn init(&mut self) -> Init<u8> {
        Init::Ok
    }

    #[cfg(not(all()))]
    #[init]
    async fn init(&mut self) -> Init<()> {
        Init::Connect(())
    }

    #[cfg(all())]
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[cfg(not(all()))]
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<u8>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

fn main() {}
