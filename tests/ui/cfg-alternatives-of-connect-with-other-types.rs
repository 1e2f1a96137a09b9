//! `#[connect]` alternatives under `#[cfg]` whose connect infos differ:
//! the connection's `ConnectInfo` would be one or the other.
use connection::{connection, Attempt, Connect, Disconnect};

struct Link;

#[connection]
impl Link {
    #[cfg(all())]
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<String>) -> Connect {
        Connect::Ok
    }

    #[cfg(not(all()))]
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<u16>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<String> {
        Disconnect::NoConnect
    }
}

fn main() {}
