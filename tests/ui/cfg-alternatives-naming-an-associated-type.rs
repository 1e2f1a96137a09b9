//! `#[disconnect]` alternatives under `#[cfg]` with other types, one naming
//! an associated type of the block's type parameter: the connection's
//! `DisconnectInfo` would need a newtype of each, which `C::Frame` cannot
//! have (its `From` would overlap the standard `impl<T> From<T> for T`).
use connection::{connection, Attempt, Connect, Disconnect};

pub trait Codec: Send + 'static {
    type Frame: Send + 'static;
}

struct Link<C: Codec> {
    codec: C,
}

#[connection]
impl<C: Codec> Link<C> {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        let _ = &self.codec;
        Connect::Ok
    }

    #[cfg(all())]
    #[disconnect]
    async fn disconnect(&mut self, _frame: C::Frame) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[cfg(not(all()))]
    #[disconnect]
    async fn disconnect(&mut self, _code: u16) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

fn main() {}
