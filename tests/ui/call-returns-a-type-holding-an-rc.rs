//! A reply whose type is not `Send`.
use std::rc::Rc;

use connection::{connection, Attempt, Connect, Disconnect};

pub struct Snapshot(Rc<Vec<u8>>);

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

    #[call]
    async fn snapshot(&mut self) -> Snapshot {
        Snapshot(Rc::new(Vec::new()))
    }
}

fn main() {}
