//! `#[init]` alternatives under `#[cfg]` whose connect infos differ: the
//! connection's `ConnectInfo` would be one or the other.
use connection::{connection, Attempt, Connect, Disconnect, Init};

struct Link;

#[connection]
impl Link {
    #[cfg(all())]
    #[init]
    async fn init(&mut self) -> Init<()> {
        Init::Connect(())
    }

    #[cfg(not(all()))]
    #[init]
    async fn init(&mut self) -> Init<u8> {
        Init::Ok
    }

    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

fn main() {}
