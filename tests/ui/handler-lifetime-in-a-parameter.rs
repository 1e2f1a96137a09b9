use connection::{connection, Attempt, Connect, Disconnect};
use std::borrow::Cow;

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// A lifetime that only the receiver names is fine; one a request's
    /// value names is a borrow the request cannot carry.
    #[call]
    async fn length<'a>(&'a mut self, text: Cow<'a, str>) -> usize {
        text.len()
    }
}

fn main() {}
