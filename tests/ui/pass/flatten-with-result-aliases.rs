//! `#[call(flatten)]` takes a reply that is a `Result` however it is
//! written: a crate's own `Result<T>`, an alias with a default error, in
//! every form of call (returned, spawned, answered through a `ReplyTo`).
#![deny(warnings)]
use connection::{connection, Attempt, CallError, Connect, Disconnect, ReplyTo};

#[derive(Debug)]
pub enum Error {
    Call(CallError),
    Odd(u32),
}

impl From<CallError> for Error {
    fn from(error: CallError) -> Self {
        Error::Call(error)
    }
}

/// A crate's own `Result`, as most crates have.
pub type Result<T> = std::result::Result<T, Error>;

mod errors {
    pub type Fallible<T, E = super::Error> = std::result::Result<T, E>;
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

    #[call(flatten)]
    async fn even(&mut self, x: u32) -> Result<u32> {
        if x % 2 == 0 { Ok(x) } else { Err(Error::Odd(x)) }
    }

    #[call(flatten)]
    async fn even_by_default(&mut self, x: u32) -> errors::Fallible<u32> {
        self.even(x).await
    }

    #[call(spawn, flatten)]
    async fn even_later(&mut self, x: u32) -> impl Future<Output = Result<u32>> {
        async move { if x % 2 == 0 { Ok(x) } else { Err(Error::Odd(x)) } }
    }

    #[call(flatten)]
    async fn even_deferred(&mut self, x: u32, reply: ReplyTo<Result<u32>>) {
        let _ = reply.send(if x % 2 == 0 { Ok(x) } else { Err(Error::Odd(x)) });
    }

    /// Refused while disconnected: the failed call is the alias's error.
    #[call(flatten, when_disconnected = reject)]
    async fn connected_only(&mut self) -> Result<()> {
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn.start().await.unwrap();
    assert_eq!(client.even(2).await.unwrap(), 2);
    assert!(matches!(client.even(3).await, Err(Error::Odd(3))));
    assert_eq!(client.even_by_default(4).await.unwrap(), 4);
    assert!(matches!(client.even_later(5).await, Err(Error::Odd(5))));
    assert_eq!(client.even_deferred(6).await.unwrap(), 6);
    client.connected_only().await.unwrap();
    // A failed call is the alias's error too.
    client.stop(connection::Stop::Normal).await.unwrap();
    assert!(matches!(client.even(2).await, Err(Error::Call(CallError::Stopped(_)))));
}
