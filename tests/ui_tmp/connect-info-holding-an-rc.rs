//! A connect info that is not `Send`: it travels to the connection's task.
use std::rc::Rc;

use connection::{connection, Attempt, Connect, Disconnect};

#[derive(Default)]
pub struct Target {
    pub host: Rc<String>,
}

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Target>) -> Connect {
        let _ = attempt;
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<Target> {
        Disconnect::NoConnect
    }
}

fn main() {}
