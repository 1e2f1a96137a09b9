//! The connection's own type holds something that is not `Send`: one error
//! on the type in `impl Conn`, and a use of `start` says why it is missing.
use std::rc::Rc;

use connection::{connection, Attempt, Connect, Disconnect};

struct Conn {
    cache: Rc<Vec<u8>>,
}

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
    async fn size(&mut self) -> usize {
        self.cache.len()
    }
}

#[allow(dead_code)]
async fn run() {
    let _client = Conn { cache: Rc::new(Vec::new()) }.start().await;
}

fn main() {}
