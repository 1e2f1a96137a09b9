//! A generic block whose request holds an `Rc` of its type parameter: not
//! `Send` for any `T`.
use std::rc::Rc;

use connection::{connection, Attempt, Connect, Disconnect};

struct Store<T> {
    items: Vec<T>,
}

#[connection]
impl<T: Clone> Store<T> {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn push(&mut self, item: Rc<T>) -> usize {
        self.items.push((*item).clone());
        self.items.len()
    }
}

fn main() {}
