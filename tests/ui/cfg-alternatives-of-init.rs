//! `#[init]` alternatives under `#[cfg]`: init takes one handler; the
//! `#[cfg]` goes inside it.
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
    async fn init(&mut self) -> Init<()> {
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
