//! An `#[info]` type that is not `Send`.
use std::rc::Rc;

use connection::{connection, Attempt, Connect, Disconnect};

pub struct Frame {
    pub bytes: Rc<[u8]>,
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

    #[info]
    async fn frame(&mut self, frame: Frame) {
        let _ = frame.bytes.len();
    }
}

fn main() {}
