use connection::{connection, Attempt, Connect, Disconnect};
use std::rc::Rc;

struct Store<T> {
    items: Vec<T>,
}

// The block compiles: the generated items require `T: Send + 'static`.
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
    async fn push(&mut self, item: T) -> usize {
        self.items.push(item);
        self.items.len()
    }
}

// Only starting one with a type that cannot cross threads fails.
async fn start_with_rc() {
    let _ = Store { items: vec![Rc::new(1)] }.start().await;
}

fn main() {
    let _ = start_with_rc;
}
