//! An argument whose type holds something that is not `Send`: one error on
//! the argument's type, not one in every generated item.
use std::rc::Rc;

use connection::{connection, Attempt, Connect, Disconnect};

pub struct Shared {
    pub count: Rc<u32>,
}

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
    async fn count(&mut self, shared: Shared) -> u32 {
        *shared.count
    }
}

fn main() {}
