//! A `#[disconnect]` type that is not `Send`.
use std::rc::Rc;

use connection::{connection, Attempt, Connect, Disconnect};

pub struct Lost {
    pub why: Rc<String>,
}

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, lost: Lost) -> Disconnect<()> {
        let _ = lost.why;
        Disconnect::NoConnect
    }
}

fn main() {}
