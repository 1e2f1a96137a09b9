//! Trait objects written `+ Send` and `Arc` cross to the task.
#![deny(warnings)]
use std::sync::Arc;

use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(
        &mut self,
        _why: Box<dyn std::error::Error + Send + Sync>,
    ) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn run(&mut self, job: Box<dyn FnOnce() -> u32 + Send>, shared: Arc<u32>) -> u32 {
        job() + *shared
    }

    #[call]
    async fn check(&mut self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn.start().await.unwrap();
    assert_eq!(client.run(Box::new(|| 1), Arc::new(2)).await.unwrap(), 3);
    client.check().await.unwrap().unwrap();
}
