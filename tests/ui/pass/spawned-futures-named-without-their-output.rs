//! A `#[call(spawn)]` handler may return a future named without its output:
//! an alias (`BoxFuture<'static, R>`, whatever its output is), a future
//! type such as tokio's `JoinHandle<R>` or a oneshot `Receiver<R>`. The call
//! is answered with the future's output.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// An alias whose output is not its parameter.
pub type Fallible<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;

struct Store<T> {
    value: T,
}

#[connection]
impl<T: Clone + std::fmt::Debug> Store<T> {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call(spawn)]
    async fn boxed(&mut self) -> BoxFuture<'static, T> {
        let value = self.value.clone();
        Box::pin(async move { value })
    }

    #[call(spawn)]
    async fn fallible(&mut self, fail: bool) -> Fallible<T> {
        let value = self.value.clone();
        Box::pin(async move { if fail { Err(format!("{value:?}")) } else { Ok(value) } })
    }

    #[call(spawn)]
    async fn joined(&mut self) -> JoinHandle<T> {
        let value = self.value.clone();
        tokio::spawn(async move { value })
    }

    #[call(spawn)]
    async fn received(&mut self) -> oneshot::Receiver<T> {
        let (sender, receiver) = oneshot::channel();
        let _ = sender.send(self.value.clone());
        receiver
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Store { value: 7u32 }.start().await.unwrap();
    let boxed: u32 = client.boxed().await.unwrap();
    assert_eq!(boxed, 7);
    assert_eq!(client.fallible(false).await.unwrap(), Ok(7));
    assert_eq!(client.fallible(true).await.unwrap(), Err("7".to_owned()));
    assert_eq!(client.joined().await.unwrap().unwrap(), 7);
    assert_eq!(client.received().await.unwrap().unwrap(), 7);
}
