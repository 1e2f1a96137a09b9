//! `#[connect]` alternatives under `#[cfg]` whose connect infos differ (a
//! `String` and a `u16`), and a `#[disconnect]` compiled in beside the
//! `String` one that names the `u16`.
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
    async fn disconnect(&mut self, _why: ()) -> Disconnect<u16> {
        Disconnect::NoConnect
    }
}

fn main() {}
