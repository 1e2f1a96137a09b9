//! A handler whose future is not `Send` (a `RefCell` borrow held across
//! an `.await`): the error is on the handler's name, with rustc's note at
//! the `.await`.
use std::cell::RefCell;

use connection::{connection, Attempt, Connect, Disconnect};

struct Conn {
    log: RefCell<Vec<String>>,
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

    #[cast]
    async fn note(&mut self, line: String) {
        let mut log = self.log.borrow_mut();
        tokio::task::yield_now().await;
        log.push(line);
    }
}

fn main() {}
