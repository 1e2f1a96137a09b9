//! A `std::sync::MutexGuard` held across an `.await` in a lifecycle
//! handler: the error is on the handler's name.
use std::sync::{Arc, Mutex};

use connection::{connection, Attempt, Connect, Disconnect};

struct Conn {
    attempts: Arc<Mutex<u32>>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        let mut attempts = self.attempts.lock().unwrap();
        tokio::task::yield_now().await;
        *attempts += 1;
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

fn main() {}
